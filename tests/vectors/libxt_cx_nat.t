# cxtables' own vectors: the NAT targets' address and port grammar (service names, ranges,
# offsets) as iptables-nft 1.8.9 reads it.
:PREROUTING
*nat
-p tcp -j DNAT --to-destination 192.0.2.1;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1:80;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1:http;-p tcp -j DNAT --to-destination 192.0.2.1:80;OK
-p tcp -j DNAT --to-destination 192.0.2.1:ftp-data;-p tcp -j DNAT --to-destination 192.0.2.1:20;OK
-p tcp -j DNAT --to-destination 192.0.2.1-192.0.2.9:1000-2000;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1:1000-2000/3000;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1:1000-2000/ssh;-p tcp -j DNAT --to-destination 192.0.2.1:1000-2000/22;OK
-p tcp -j DNAT --to-destination 192.0.2.1:0x50;-p tcp -j DNAT --to-destination 192.0.2.1:80;OK
-p udp -j DNAT --to-destination 192.0.2.1:53 --random;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1 --persistent;=;OK
-p tcp -j DNAT --to-destination 192.0.2.1:10-ssh;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:ssh-20;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:20-10;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:10x;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:10-20x;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:20/5;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:10:20;;FAIL
-p tcp -j DNAT --to-destination 192.0.2.1:65536;;FAIL
-j DNAT --to-destination 192.0.2.1:80;;FAIL
-p tcp -j DNAT;;FAIL
-p tcp -j REDIRECT;=;OK
-p tcp -j REDIRECT --to-ports 8080;=;OK
-p tcp -j REDIRECT --to-ports 8080-8090;=;OK
-p tcp -j REDIRECT --to-ports http;-p tcp -j REDIRECT --to-ports 80;OK
-p tcp -j REDIRECT --to-ports 8080 --random;=;OK
-p tcp -j REDIRECT --to-ports 8080-8090/100;;FAIL
-p tcp -j REDIRECT --to-ports 8080:8090;;FAIL
-j REDIRECT --to-ports 8080;;FAIL
:POSTROUTING
*nat
-o eth0 -j MASQUERADE;=;OK
-o eth0 -p tcp -j MASQUERADE --to-ports 1024-65535;=;OK
-o eth0 -j MASQUERADE --random-fully;=;OK
-o eth0 -p udp -j MASQUERADE --to-ports 1024-2048/5;-o eth0 -p udp -j MASQUERADE --to-ports 1024-2048/0;OK
-o eth0 -j MASQUERADE --to-ports 1024;;FAIL
-o eth0 -j SNAT --to-source 203.0.113.1;=;OK
-o eth0 -p tcp -j SNAT --to-source 203.0.113.1:1024-65535;=;OK
-o eth0 -p tcp -j SNAT --to-source 203.0.113.1-203.0.113.9;=;OK
-o eth0 -p tcp -j SNAT --to-source 203.0.113.1:1000-2000/7;-o eth0 -p tcp -j SNAT --to-source 203.0.113.1:1000-2000/0;OK
-o eth0 -p tcp -j SNAT --to-source :1000;=;OK
-o eth0 -j SNAT --to-source 203.0.113.1 --random --persistent;=;OK
-o eth0 -j SNAT --to-source 203.0.113.1:10:20;;FAIL
-o eth0 -j SNAT;;FAIL
-d 198.51.100.0/24 -j NETMAP --to 192.0.2.0/24;=;OK
