# cxtables' own vectors: comments in the places and shapes users write them.
:INPUT,FORWARD,OUTPUT
-m comment --comment "allow ssh";=;OK
-m comment --comment 'single quoted words';-m comment --comment "single quoted words";OK
-m comment --comment x;=;OK
-m comment --comment "quote \" inside";=;OK
-m comment --comment "dollar $HOME and back\\slash";=;OK
-m comment --comment "tab	inside";=;OK
-m comment --comment "ümlaut";=;OK
-m comment --comment "";=;OK
-m comment --comment "a" -m comment --comment "b";-m comment --comment a -m comment --comment b;OK
-p tcp --dport 22 -m comment --comment "ssh" -j ACCEPT;-p tcp -m tcp --dport 22 -m comment --comment ssh -j ACCEPT;OK
-s 192.0.2.1/32 -m comment --comment "host" -j DROP;-s 192.0.2.1/32 -m comment --comment host -j DROP;OK
-m comment --comment "--dport 22";=;OK
-m comment --comment "!";=;OK
-m comment ! --comment "x";;FAIL
-m comment --comment;;FAIL
