package mitre_test

_dns(name, qtype, answers) := _ev({"event": "dns", "dns": {"question": {"name": name, "type": qtype}, "answers_count": count(answers), "answers": answers}})

test_seed_rule_fires if {
	"T1071.004" in _found(_ev({"event": "dns.response", "domain": "x1.suspicious-cdn.example", "answer_count": 14}))
}

test_seed_rule_needs_more_than_ten_answers if {
	count(_found(_ev({"event": "dns.response", "domain": "x1.suspicious-cdn.example", "answer_count": 10}))) == 0
}

test_seed_rule_normal_answer_is_benign if {
	count(_found(_ev({"event": "dns.response", "domain": "www.example.com", "answer_count": 2}))) == 0
}

test_dnscat2_hex_label if {
	ds := _detections(_dns("4a7f0102c3e5b9aa0d11f23e6c7b8d9e0f1a2b3c4d5e6f70819a.dnscat.attacker.example", "CNAME", []))
	some d in ds
	d.technique == "T1071.004"
	d.rule == "dns_long_high_entropy_label"
	d.tactic == "command-and-control"
}

test_iodine_base32_label if {
	"T1071.004" in _found(_dns("paba3ci2o7hdqyxm4k5rvz2lw6jn3fte5ub7sg4d2a6x.t.tunnel.example", "NULL", []))
}

test_long_wordy_label_is_benign if {
	count(_found(_dns("this-is-a-very-long-but-perfectly-normal-hostname-label.example.com", "A", [{"type": "A", "data": "93.184.216.34"}]))) == 0
}

test_short_random_cdn_label_is_benign if {
	count(_found(_dns("d3ksf8a9x2q7.cloudfront.net", "A", [{"type": "A", "data": "13.32.1.1"}]))) == 0
}

test_txt_encoded_answer if {
	blob := "SGVsbG8gd29ybGQgdGhpcyBpcyBhIHN0YWdlZCBwYXlsb2FkIGNodW5rIG51bWJlciAwMDEgZnJvbSB0aGUgYzIgc2VydmVyIGV4YW1wbGU="
	"T1071.004" in _found(_dns("c001.stage.attacker.example", "TXT", [{"type": "TXT", "data": blob}]))
}

test_dkim_txt_is_benign if {
	dkim := "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"
	count(_found(_dns("selector1._domainkey.example.com", "TXT", [{"type": "TXT", "data": dkim}]))) == 0
}

test_spf_and_verification_txt_is_benign if {
	answers := [
		{"type": "TXT", "data": "v=spf1 include:_spf.google.com include:mailgun.org ~all"},
		{"type": "TXT", "data": "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"},
	]
	count(_found(_dns("example.com", "TXT", answers))) == 0
}

test_txt_heavy_answer if {
	answers := [{"type": "TXT", "data": sprintf("chunk-%d", [i])} | some i in numbers.range(1, 25)]
	"T1071.004" in _found(_dns("q.exfil.example", "TXT", answers))
}
