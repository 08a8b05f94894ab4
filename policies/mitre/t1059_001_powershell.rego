# T1059.001 Command and Scripting Interpreter: PowerShell (execution), and the
# command obfuscation that comes with it (T1027).
package mitre

_powershell_images := {"powershell.exe", "pwsh.exe", "powershell_ise.exe", "pwsh"}

# The seed's rule, as written.
detections contains {"technique": "T1059.001", "tactic": "execution", "rule": "seed_invoke_expression"} if {
	input.telemetry.event == "exec.powershell"
	contains(input.telemetry.command, "Invoke-Expression")
}

# Download cradles: fetch a script and run it in memory.
_download_calls := [
	"downloadstring", "downloaddata", "downloadfile", "invoke-webrequest", "iwr ",
	"invoke-restmethod", "irm ", "net.webclient", "start-bitstransfer",
]

_runs_in_memory(text) if _contains_any(text, ["iex", "invoke-expression", "| iex", "scriptblock]::create"])

detections contains {"technique": "T1059.001", "tactic": "execution", "rule": "powershell_download_cradle"} if {
	input.telemetry.event == "process.start"
	_image in _powershell_images
	_contains_any(_cmd, _download_calls)
	_runs_in_memory(_cmd)
}

detections contains {"technique": "T1059.001", "tactic": "execution", "rule": "script_block_download_cradle"} if {
	input.telemetry.event == "powershell.script_block"
	text := lower(input.telemetry.powershell.file.script_block_text)
	_contains_any(text, _download_calls)
	_runs_in_memory(text)
}

# PowerShell started hidden, without profile, from an Office app or script host.
detections contains {"technique": "T1059.001", "tactic": "execution", "rule": "powershell_hidden_from_script_host"} if {
	input.telemetry.event == "process.start"
	_image in _powershell_images
	_parent_image in {"winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "wscript.exe", "cscript.exe", "mshta.exe", "wmiprvse.exe"}
	some i
	_args[i] in {"-w", "-window", "-windowstyle", "/w"}
	_args[i + 1] == "hidden"
}

# -EncodedCommand (any unambiguous prefix: -e, -en, -enc, -ec ...) followed by base64.
_encoded_flag(a) if {
	some prefix in ["-", "/"]
	startswith(a, prefix)
	flag := substring(a, 1, -1)
	count(flag) >= 1
	startswith("encodedcommand", flag)
}

_encoded_flag(a) if a in {"-ec", "/ec"}

_encoded_powershell if {
	input.telemetry.event == "process.start"
	_image in _powershell_images
	some i
	_encoded_flag(_args[i])
	regex.match(`^[A-Za-z0-9+/]{16,}={0,2}$`, trim(_args[i + 1], `"'`))
}

detections contains {"technique": "T1059.001", "tactic": "execution", "rule": "powershell_encoded_command"} if _encoded_powershell

detections contains {"technique": "T1027", "tactic": "defense-evasion", "rule": "powershell_encoded_command"} if _encoded_powershell

# A script block that decodes base64 and runs the result.
detections contains {"technique": "T1027", "tactic": "defense-evasion", "rule": "script_block_decode_and_run"} if {
	input.telemetry.event == "powershell.script_block"
	text := lower(input.telemetry.powershell.file.script_block_text)
	contains(text, "frombase64string")
	_runs_in_memory(text)
}

# Character-code reassembly ([char]105+[char]101+...) with -join: string obfuscation.
detections contains {"technique": "T1027", "tactic": "defense-evasion", "rule": "script_block_char_join"} if {
	input.telemetry.event == "powershell.script_block"
	text := lower(input.telemetry.powershell.file.script_block_text)
	contains(text, "-join")
	count(indexof_n(text, "[char]")) >= 5
}
