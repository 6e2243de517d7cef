# cxtables' own vectors: IPv6 NAT targets ("[addr]:port" forms).
:PREROUTING
*nat
-p tcp -j DNAT --to-destination 2001:db8::1;=;OK
-p tcp -j DNAT --to-destination [2001:db8::1]:80;=;OK
-p tcp -j DNAT --to-destination [2001:db8::1]:ftp-data;-p tcp -j DNAT --to-destination [2001:db8::1]:20;OK
-p tcp -j DNAT --to-destination [2001:db8::1-2001:db8::9]:1000-2000/3000;=;OK
-p tcp -j DNAT --to-destination [2001:db8::1]:10-ssh;;FAIL
-p tcp -j DNAT --to-destination [2001:db8::1]:10:20;;FAIL
-p tcp -j REDIRECT --to-ports 8080;=;OK
-p tcp -j REDIRECT --to-ports 8080-8090/5;;FAIL
:POSTROUTING
*nat
-o eth0 -j MASQUERADE;=;OK
-o eth0 -p tcp -j MASQUERADE --to-ports 1024-2048/5;-o eth0 -p tcp -j MASQUERADE --to-ports 1024-2048/0;OK
-o eth0 -j SNAT --to-source 2001:db8::1;=;OK
-o eth0 -p tcp -j SNAT --to-source [2001:db8::1]:1000-2000;=;OK
-d 2001:db8:1::/64 -j NETMAP --to 2001:db8:2::/64;=;OK
