package dev.tenantcast.testing;

import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real headless Chromium (Debian's chromium and chromium-driver) for the browser tests, with the flags this machine
 * needs: no background networking (the machine reaches only loopback) and a fresh profile.
 */
public final class Chromium implements AutoCloseable {
  private static final File BROWSER = new File("/usr/bin/chromium");
  private static final File DRIVER = new File("/usr/bin/chromedriver");

  public final WebDriver browser;
  public final WebDriverWait wait;

  public Chromium(Path profile) {
    assertTrue(BROWSER.canExecute() && DRIVER.canExecute(),
        "the browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
    ChromeOptions options = new ChromeOptions().setBinary(BROWSER).addArguments("--headless=new", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1400,1100",
        "--user-data-dir=" + profile.toAbsolutePath());
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort()
        .build(), options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(50));
  }

  public WebElement byTestId(String id) {
    return browser.findElement(By.cssSelector("[data-testid='" + id + "']"));
  }

  /** Waits until the element shows exactly this text. */
  public void awaitText(String testId, String text) {
    wait.withMessage(() -> testId + " never showed '" + text + "' (it shows '" + byTestId(testId).getText() + "')")
        .until(b -> byTestId(testId).getText().equals(text));
  }

  @Override
  public void close() {
    browser.quit();
  }
}
