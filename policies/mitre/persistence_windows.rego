# Windows persistence: scheduled tasks (T1053.005), Run keys and the Startup
# folder (T1547.001), services (T1543.003), IFEO debuggers (T1546.012), local
# accounts (T1136.001).
package mitre

# schtasks /create (any spelling of the switch); /query, /run, /end are routine.
detections contains {"technique": "T1053.005", "tactic": "persistence", "rule": "schtasks_create"} if {
	input.telemetry.event == "process.start"
	_image in {"schtasks.exe"}
	some a in _args
	a in {"/create", "-create"}
}

# PowerShell's Register-ScheduledTask with an action that runs a script host.
detections contains {"technique": "T1053.005", "tactic": "persistence", "rule": "register_scheduledtask_script_host"} if {
	contains(_ps_text, "register-scheduledtask")
	_contains_any(_ps_text, ["powershell", "cmd.exe", "mshta", "wscript", "rundll32", `\appdata\`, `\temp\`])
}

_run_key(path) if {
	p := lower(path)
	_contains_any(p, [`\software\microsoft\windows\currentversion\run\`, `\software\microsoft\windows\currentversion\runonce\`, `\software\wow6432node\microsoft\windows\currentversion\run\`, `\software\microsoft\windows\currentversion\policies\explorer\run\`])
}

# Per-user application folders that ship auto-start entries of their own.
_known_autostart_dirs := [`\appdata\local\microsoft\onedrive\`, `\appdata\local\microsoft\teams\`]

_suspicious_autostart(value) if {
	d := lower(value)
	_user_writable(d)
	not _contains_any(d, _known_autostart_dirs)
}

_suspicious_autostart(value) if {
	d := lower(value)
	some host in _script_hosts
	contains(d, host)
}

# A Run/RunOnce value pointing into a user-writable folder or at a script host.
detections contains {"technique": "T1547.001", "tactic": "persistence", "rule": "run_key_suspicious_target"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	_run_key(input.telemetry.registry.path)
	some data in input.telemetry.registry.data.strings
	_suspicious_autostart(data)
}

# An executable or script dropped into a Startup folder.
detections contains {"technique": "T1547.001", "tactic": "persistence", "rule": "startup_folder_executable"} if {
	input.telemetry.event == "file"
	input.telemetry.action in {"create", "rename"}
	path := lower(input.telemetry.file.path)
	contains(path, `\microsoft\windows\start menu\programs\startup\`)
	some ext in [".exe", ".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".ps1", ".hta", ".scr", ".wsf"]
	endswith(path, ext)
}

# sc create ... binPath= ...
detections contains {"technique": "T1543.003", "tactic": "persistence", "rule": "sc_create_service"} if {
	input.telemetry.event == "process.start"
	_image in {"sc.exe"}
	some a in _args
	a == "create"
	contains(_cmd, "binpath")
}

# New-Service from PowerShell.
detections contains {"technique": "T1543.003", "tactic": "persistence", "rule": "new_service_powershell"} if {
	contains(_ps_text, "new-service")
	contains(_ps_text, "-binarypathname")
}

# A service ImagePath pointing into a user-writable folder or at a script host.
detections contains {"technique": "T1543.003", "tactic": "persistence", "rule": "service_imagepath_suspicious"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	path := lower(input.telemetry.registry.path)
	contains(path, `\system\currentcontrolset\services\`)
	endswith(path, `\imagepath`)
	some data in input.telemetry.registry.data.strings
	_suspicious_autostart(data)
}

# Image File Execution Options: a Debugger makes Windows start it instead of the
# program (sethc.exe / utilman.exe backdoors); SilentProcessExit MonitorProcess
# runs it when the program exits.
detections contains {"technique": "T1546.012", "tactic": "persistence", "rule": "ifeo_debugger"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	path := lower(input.telemetry.registry.path)
	contains(path, `\image file execution options\`)
	endswith(path, `\debugger`)
}

detections contains {"technique": "T1546.012", "tactic": "persistence", "rule": "silent_process_exit_monitor"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	path := lower(input.telemetry.registry.path)
	contains(path, `\silentprocessexit\`)
	endswith(path, `\monitorprocess`)
}

# net user NAME PASSWORD /add (net.exe or net1.exe), without /domain (that is T1136.002).
detections contains {"technique": "T1136.001", "tactic": "persistence", "rule": "net_user_add"} if {
	input.telemetry.event == "process.start"
	_image in {"net.exe", "net1.exe"}
	_args[1] == "user"
	"/add" in _args
	not "/domain" in _args
}

detections contains {"technique": "T1136.001", "tactic": "persistence", "rule": "new_localuser_powershell"} if {
	contains(_ps_text, "new-localuser")
}
