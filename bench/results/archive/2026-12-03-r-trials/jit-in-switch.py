import re,sys,collections
killed=int(open(sys.argv[1]).read())/1000.0
for f in sys.argv[2:]:
    txt=open(f,errors='replace').read()
    t0=int(re.search(r"<hotspot_log [^>]*time_ms='(\d+)'",txt).group(1))/1000.0
    k=killed-t0
    tasks=[]
    for m in re.finditer(r"<task (.*?)>(.*?)<task_done (.*?)/>",txt,re.S):
        a=dict(re.findall(r"(\w+)='([^']*)'",m.group(1))); d=dict(re.findall(r"(\w+)='([^']*)'",m.group(3)))
        st=float(a['stamp']); en=float(d['stamp'])
        tasks.append((st,en,a.get('level','4'),a.get('method'),a.get('bytes'),d.get('nmsize'),a.get('compile_kind',''),int(d.get('inlined_bytes','0') or 0)))
    win=[t for t in tasks if t[1]>=k and t[0]<=k+4]
    c2=[t for t in win if t[2]=='4']
    print(f,'kill at %.2f s uptime; tasks total %d; in window %d, C2 %d, C2 time %.2f s'%(k,len(tasks),len(win),len(c2),sum(min(t[1],k+4)-max(t[0],k) for t in c2)))
    # was each C2 method compiled before (recompile)?
    before=collections.Counter(t[3] for t in tasks if t[2]=='4' and t[1]<k)
    for t in sorted(c2,key=lambda t:-(t[1]-t[0]))[:40]:
        print('  %6.3f s  +%.2f  %s bytes=%s inl=%d nm=%s %s prevC2=%d'%(t[1]-t[0],t[0]-k,t[3][:90],t[4],t[7],t[5],t[6],before[t[3]]))
    # deopts in the window
    dep=re.findall(r"<uncommon_trap thread='\d+' reason='(\w+)' action='(\w+)'[^>]*?stamp='([\d.]+)'",txt)
    w=[d for d in dep if k<=float(d[2])<=k+4]
    print('  uncommon traps in window', len(w), collections.Counter((d[0],d[1]) for d in w).most_common(8))
