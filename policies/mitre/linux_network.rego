# Linux persistence (T1053.003 cron, T1098.004 SSH authorized keys) and
# proxy egress (T1090.003 Tor).
package mitre

_package_managers := {"dpkg", "rpm", "apt", "apt-get", "yum", "dnf", "zypper", "pacman", "unattended-upgr"}

# A file written under cron's spool or cron.d by anything but a package manager.
detections contains {"technique": "T1053.003", "tactic": "persistence", "rule": "cron_file_written"} if {
	input.telemetry.event == "file"
	input.telemetry.action in {"create", "modify", "rename"}
	path := lower(input.telemetry.file.path)
	_contains_any(path, ["/etc/cron.d/", "/var/spool/cron/", "/etc/cron.hourly/", "/etc/cron.daily/"])
	not _image in _package_managers
}

detections contains {"technique": "T1053.003", "tactic": "persistence", "rule": "cron_file_written"} if {
	input.telemetry.event == "file"
	input.telemetry.action in {"create", "modify"}
	lower(input.telemetry.file.path) == "/etc/crontab"
	not _image in _package_managers
}

# (crontab -l; echo "...") | crontab -  : installing a job from a pipe.
detections contains {"technique": "T1053.003", "tactic": "persistence", "rule": "crontab_from_pipe"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "| crontab -")
}

# authorized_keys written by anything but sshd's own tooling or provisioning agents.
detections contains {"technique": "T1098.004", "tactic": "persistence", "rule": "authorized_keys_modified"} if {
	input.telemetry.event == "file"
	input.telemetry.action in {"create", "modify", "rename"}
	path := lower(input.telemetry.file.path)
	_contains_any(path, ["/.ssh/authorized_keys", "/.ssh/authorized_keys2"])
	not _provisioning(_exe)
}

detections contains {"technique": "T1098.004", "tactic": "persistence", "rule": "authorized_keys_echo"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "authorized_keys")
	_contains_any(_cmd, [">> ", ">>", "tee -a"])
	contains(_cmd, "ssh-")
}

_provisioning(exe) if _contains_any(exe, ["cloud-init", "/opt/puppetlabs/", "/opt/chef/", "google_guest_agent", "waagent"])

# Tor ORPort / DirPort (9001, 9030) and its SOCKS ports on a public address.
detections contains {"technique": "T1090.003", "tactic": "command-and-control", "rule": "tor_relay_ports"} if {
	input.telemetry.event == "network.connection"
	input.telemetry.destination.port in {9001, 9030, 9040, 9050, 9051, 9150}
	not _private_ip(input.telemetry.destination.ip)
}

# The Tor client itself resolving or connecting to onion infrastructure.
detections contains {"technique": "T1090.003", "tactic": "command-and-control", "rule": "onion_lookup"} if {
	some name in _dns_names
	endswith(lower(name), ".onion")
}
