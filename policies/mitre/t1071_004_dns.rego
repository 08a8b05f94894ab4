# T1071.004 Application Layer Protocol: DNS (command and control, exfiltration).
package mitre

# The seed's rule, as written: many answers for a domain flagged suspicious.
detections contains {"technique": "T1071.004", "tactic": "command-and-control", "rule": "seed_dns_many_answers"} if {
	input.telemetry.event == "dns.response"
	input.telemetry.answer_count > 10
	contains(input.telemetry.domain, "suspicious")
}

# Data carried in a subdomain label: long, high-entropy, with digits (hex or base32
# encodings used by dnscat2, iodine, DNSExfiltrator). Ordinary long labels are words.
detections contains {"technique": "T1071.004", "tactic": "command-and-control", "rule": "dns_long_high_entropy_label"} if {
	some name in _dns_names
	some label in split(lower(name), ".")
	count(label) >= 40
	_entropy(label) >= 3.5
	count([c | some c in split(label, ""); c >= "0"; c <= "9"]) >= 4
}

# TXT answers carrying an encoded blob (tunnel downstream): a long unbroken
# base64 answer to a TXT query that is not for a service record (_dmarc,
# _domainkey, _acme-challenge ... carry policy text, not payloads).
detections contains {"technique": "T1071.004", "tactic": "command-and-control", "rule": "dns_txt_encoded_answer"} if {
	input.telemetry.event == "dns"
	upper(input.telemetry.dns.question.type) == "TXT"
	not startswith(input.telemetry.dns.question.name, "_")
	some answer in input.telemetry.dns.answers
	upper(answer.type) == "TXT"
	count(answer.data) >= 100
	regex.match(`^[A-Za-z0-9+/]+={0,2}$`, answer.data)
}

# TXT-heavy: many TXT records answering one ordinary name.
detections contains {"technique": "T1071.004", "tactic": "command-and-control", "rule": "dns_txt_heavy_answer"} if {
	input.telemetry.event == "dns"
	upper(input.telemetry.dns.question.type) == "TXT"
	not startswith(input.telemetry.dns.question.name, "_")
	txt := [a | some a in input.telemetry.dns.answers; upper(a.type) == "TXT"]
	count(txt) >= 20
}

_dns_names contains input.telemetry.dns.question.name if _kind == "dns"

_dns_names contains input.telemetry.domain if _kind == "dns.response"
