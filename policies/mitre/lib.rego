# ATT&CK mapping library: shared shorthands.
#
# Every rule file in this package adds objects to one set,
#
#   data.mitre.detections contains {"technique": "T1490", "tactic": "impact", "rule": "..."}
#
# so the detector evaluates data.mitre.detections once per telemetry event
# (input = {agent_id, ts, telemetry}; schema in docs/telemetry.md). Rules match
# what a sensor observes — command lines, parent/child pairs, access masks,
# registry paths, destinations — never an event name that already names a
# technique. Each rule file has a _test.rego twin with attacks and benign near misses.
package mitre

# The kind of the event ("process.start", "dns", ...).
_kind := input.telemetry.event

# Lower-cased process fields; each is undefined when the sensor did not send it.
_cmd := lower(input.telemetry.process.command_line)

_exe := lower(input.telemetry.process.executable)

_image := _basename(_exe)

_parent_image := _basename(lower(input.telemetry.process.parent.executable))

_target_image := _basename(lower(input.telemetry.target.executable))

_user := lower(input.telemetry.user.name)

# PowerShell code, lower-cased: a logged script block, or a powershell command line.
_ps_text := lower(input.telemetry.powershell.file.script_block_text) if _kind == "powershell.script_block"

_ps_text := _cmd if {
	_kind == "process.start"
	_image in {"powershell.exe", "pwsh.exe", "powershell_ise.exe", "pwsh"}
}

# Command-line words, lower-cased, without empty strings from repeated spaces.
_args := [a | some a in split(_cmd, " "); a != ""]

# The last path component of a Windows or POSIX path.
_basename(p) := b if {
	parts := split(replace(p, `\`, "/"), "/")
	b := parts[count(parts) - 1]
}

_contains_any(s, needles) if {
	some n in needles
	contains(s, n)
}

_contains_all(s, needles) if {
	count([n | some n in needles; not contains(s, n)]) == 0
}

# A process start whose image (file name) is one of `names`. Detection rules
# instead start with `input.telemetry.event == "<kind>"`: a literal on an input
# path is what the engine's rule index selects rules by, and it fails fastest.
_started(names) if {
	_kind == "process.start"
	_image in names
}

# Folders any user can write to: where dropped tools live.
_user_writable_dirs := [
	`\appdata\`, `\temp\`, `\users\public\`, `\downloads\`, `\programdata\`,
	`\windows\tasks\`, "/tmp/", "/var/tmp/", "/dev/shm/",
]

_user_writable(path) if _contains_any(lower(path), _user_writable_dirs)

# Interpreters and proxies attackers hand their payloads to.
_script_hosts := {
	"cmd.exe", "powershell.exe", "pwsh.exe", "wscript.exe", "cscript.exe", "mshta.exe",
	"rundll32.exe", "regsvr32.exe",
}

# RFC 1918, loopback, link-local, CGNAT and IPv6 local addresses.
_private_ip(ip) if {
	some prefix in ["10.", "127.", "192.168.", "169.254.", "::1", "fc", "fd", "fe80:"]
	startswith(lower(ip), prefix)
}

_private_ip(ip) if {
	octets := split(ip, ".")
	count(octets) == 4
	octets[0] == "172"
	n := to_number(octets[1])
	n >= 16
	n <= 31
}

_private_ip(ip) if {
	octets := split(ip, ".")
	count(octets) == 4
	octets[0] == "100"
	n := to_number(octets[1])
	n >= 64
	n <= 127
}

# _log2[k] = log2(k) for k in 0..64 (entry 0 unused): Shannon entropy without a log built-in.
_log2 := [
	0, 0, 1, 1.584962500721, 2, 2.321928094887, 2.584962500721, 2.807354922058, 3,
	3.169925001442, 3.321928094887, 3.459431618637, 3.584962500721, 3.700439718141,
	3.807354922058, 3.906890595609, 4, 4.08746284125, 4.169925001442, 4.247927513444,
	4.321928094887, 4.392317422779, 4.459431618637, 4.523561956057, 4.584962500721,
	4.643856189775, 4.700439718141, 4.754887502163, 4.807354922058, 4.857980995128,
	4.906890595609, 4.954196310387, 5, 5.044394119358, 5.08746284125, 5.129283016945,
	5.169925001442, 5.209453365629, 5.247927513444, 5.285402218862, 5.321928094887,
	5.357552004618, 5.392317422779, 5.426264754702, 5.459431618637, 5.49185309633,
	5.523561956057, 5.554588851678, 5.584962500721, 5.614709844115, 5.643856189775,
	5.672425341971, 5.700439718141, 5.727920454563, 5.754887502163, 5.781359713525,
	5.807354922058, 5.832890014165, 5.857980995128, 5.882643049362, 5.906890595609,
	5.930737337563, 5.954196310387, 5.9772799235, 6,
]

# Shannon entropy in bits per character of a string of 1..64 characters:
# H = log2(n) - (1/n) * sum(c * log2(c)) over the count c of each distinct character.
_entropy(s) := h if {
	chars := split(s, "")
	n := count(chars)
	n > 0
	n < count(_log2)
	distinct := {c | some c in chars}
	h := _log2[n] - (sum([k * _log2[k] | some c in distinct; k := count([1 | some x in chars; x == c])]) / n)
}
