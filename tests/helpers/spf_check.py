"""Debian python3-spf's verdict for one query, against a given DNS server.

usage: spf_check.py PORT IP SENDER HELO  ->  prints the result word
"""
import sys

import dns.resolver
import spf

port, ip, sender, helo = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = int(port)
resolver.lifetime = 5
dns.resolver.default_resolver = resolver
result, _text = spf.check2(i=ip, s=sender, h=helo, querytime=10)
print(result)
