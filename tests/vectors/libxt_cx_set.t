# cxtables' own vectors: -m set and -j SET beyond upstream's (which only tries missing sets).
:INPUT,FORWARD,OUTPUT
@ipset create cx-v4 hash:ip
@ipset create cx-v4net hash:net
@ipset create cx-v4port hash:ip,port
@ipset create cx-v4c hash:ip counters
@ipset create cx-v4t hash:ip timeout 60
@ipset create cx-map hash:ip skbinfo
-m set --match-set cx-v4 src;=;OK
-m set ! --match-set cx-v4 dst;=;OK
-m set --match-set cx-v4net src -j DROP;=;OK
-m set --match-set cx-v4port src,dst;=;OK
-m set --match-set cx-v4port dst,dst;=;OK
-m set --match-set cx-v4 src,dst,src;=;OK
-m set --match-set cx-v4 src --return-nomatch;=;OK
-m set --match-set cx-v4c src ! --update-counters;=;OK
-m set --match-set cx-v4c src ! --update-subcounters;=;OK
-m set --match-set cx-v4c src --packets-gt 10;=;OK
-m set --match-set cx-v4c src --packets-lt 10;=;OK
-m set --match-set cx-v4c src --packets-eq 10;=;OK
-m set --match-set cx-v4c src ! --packets-eq 10;=;OK
-m set --match-set cx-v4c src --bytes-gt 1000;=;OK
-m set --match-set cx-v4c src --bytes-lt 1000 --packets-gt 1;-m set --match-set cx-v4c src --packets-gt 1 --bytes-lt 1000;OK
-m set --match-set cx-v4 src -m set --match-set cx-v4net dst;=;OK
-m set --match-set cx-v4;;FAIL
-m set --match-set cx-no-such-set src;;FAIL
-m set --match-set cx-v4 src,dst,src,dst,src,dst,src;;FAIL
-m set --match-set cx-v4 foo;;FAIL
-m set;;FAIL
-j SET --add-set cx-v4 src;=;OK
-j SET --del-set cx-v4 dst;=;OK
-j SET --add-set cx-v4port src,dst;=;OK
-j SET --add-set cx-v4t src --exist;=;OK
-j SET --add-set cx-v4t src --timeout 600;=;OK
-j SET --add-set cx-v4t src --exist --timeout 600;=;OK
-j SET --add-set cx-v4 src --del-set cx-v4net dst;=;OK
-j SET;;FAIL
-j SET --add-set cx-no-such-set src;;FAIL
-j SET --add-set cx-v4;;FAIL
-j SET --timeout 10;;FAIL
:PREROUTING,FORWARD,POSTROUTING
*mangle
-j SET --map-set cx-map src --map-mark;=;OK
:FORWARD,POSTROUTING
*mangle
-j SET --map-set cx-map src --map-prio --map-queue;=;OK
