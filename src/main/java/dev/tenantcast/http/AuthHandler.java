package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenExtractor;
import dev.tenantcast.auth.TokenExtractor.Credential;
import dev.tenantcast.auth.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The one token check of every protected route: finds the token (header, cookie, query), verifies it and puts the
 * {@link Principal} and the credential on the routing context; anything else fails with 401 before the route's own
 * handlers run, and before any request body is read.
 */
final class AuthHandler implements Handler<RoutingContext> {
  private static final String PRINCIPAL = "tenantcast.principal";
  private static final String CREDENTIAL = "tenantcast.credential";

  private final TokenVerifier verifier;

  AuthHandler(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Credential credential = TokenExtractor.from(ctx.request());
    Future<Principal> verified = verifier.verify(credential == null ? null : credential.token());
    // A body that arrives while nothing reads it is dropped, which is what a refused request's body should be. Only
    // when the verdict takes longer than this call (a key still to be fetched) must the body wait for it, paused:
    // Vert.x then queues what arrives, so it is never done for a verdict that is already known.
    if (!verified.isComplete() && !ctx.request().isEnded()) {
      ctx.request().pause();
    }
    verified
        .onSuccess(principal -> {
          ctx.put(PRINCIPAL, principal);
          ctx.put(CREDENTIAL, credential);
          ctx.next();
        })
        .onFailure(ctx::fail);
  }

  /** The verified principal of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The verified credential of a request that passed this handler. */
  static Credential credential(RoutingContext ctx) {
    return ctx.get(CREDENTIAL);
  }

  /** A handler that lets only admins pass. */
  static Handler<RoutingContext> requireAdmin(String what) {
    return ctx -> {
      if (!principal(ctx).isAdmin()) {
        throw ApiError.forbidden(what + " need the role " + Principal.ADMIN).asException();
      }
      ctx.next();
    };
  }
}
