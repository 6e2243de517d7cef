# cxtables' own vectors: -m nfacct with an accounting object made in the test's namespace
# (upstream's only working case is commented out there).
:INPUT,FORWARD,OUTPUT
@nfacct add cx-acct
-m nfacct --nfacct-name cx-acct;-m nfacct --nfacct-name  cx-acct;OK
-p tcp --dport 22 -m nfacct --nfacct-name cx-acct -j ACCEPT;-p tcp -m tcp --dport 22 -m nfacct --nfacct-name  cx-acct -j ACCEPT;OK
-m nfacct --nfacct-name cx-no-such-acct;;FAIL
-m nfacct ! --nfacct-name cx-acct;;FAIL
-m nfacct --nfacct-name cx-acct --nfacct-name cx-acct;;FAIL
-m nfacct;;FAIL
