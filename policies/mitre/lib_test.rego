# Shared helpers for the mitre tests, and tests of the library itself.
package mitre_test

import data.mitre

# The techniques data.mitre.detections finds for one event.
_found(ev) := {d.technique | ds := mitre.detections with input as ev; some d in ds}

# Full detection objects, for tests that check tactic and rule.
_detections(ev) := ds if ds := mitre.detections with input as ev

_proc(exe, cmd, parent) := _proc_as(exe, cmd, parent, "alice")

_proc_as(exe, cmd, parent, user) := {
	"agent_id": "6f1c2a9e-0000-4000-8000-000000000001",
	"ts": "2026-11-26T06:00:00.000Z",
	"telemetry": {
		"event": "process.start",
		"process": {"executable": exe, "command_line": cmd, "parent": {"executable": parent}},
		"user": {"name": user},
	},
}

_ev(telemetry) := {"agent_id": "6f1c2a9e-0000-4000-8000-000000000001", "telemetry": telemetry}

_cmd_exe := `C:\Windows\System32\cmd.exe`

_explorer := `C:\Windows\explorer.exe`

_powershell := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`

test_entropy_of_uniform_strings if {
	mitre._entropy("aaaa") == 0
	mitre._entropy("abcd") == 2
	mitre._entropy("abcdefgh") == 3
}

test_entropy_of_mixed_string if {
	# "aab": log2(3) - (2*log2(2) + 1*0)/3 = 0.918...
	h := mitre._entropy("aab")
	h > 0.918
	h < 0.919
}

test_basename if {
	mitre._basename(`c:\windows\system32\cmd.exe`) == "cmd.exe"
	mitre._basename("/usr/bin/bash") == "bash"
	mitre._basename("whoami") == "whoami"
}

test_private_ip if {
	mitre._private_ip("10.1.2.3")
	mitre._private_ip("172.20.0.1")
	mitre._private_ip("192.168.1.1")
	not mitre._private_ip("172.32.0.1")
	not mitre._private_ip("185.220.101.4")
}

test_benign_admin_session_yields_nothing if {
	count(_found(_proc(_cmd_exe, `cmd.exe /c dir C:\Users\alice\Documents`, _explorer))) == 0
	count(_found(_proc(`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"chrome.exe" --type=renderer`, _explorer))) == 0
	count(_found(_proc("/usr/bin/ls", "ls -la /var/log", "/usr/bin/bash"))) == 0
}
