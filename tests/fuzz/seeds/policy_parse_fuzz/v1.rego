package a.b

import rego.v1

default allow := false

allow if {
	some r in input.roles
	r == "admin"
}

names contains n if n := input.users[_].name

f(x) := y if { y := x * 2 } else := 0

p[k] := v if { some k, v in {"a": [1, 2.5e3, null, true]} }
q := {x | x := [1,2][_]}
r := [x | x := $"a{1}b"]
s if every x in [1] { x > 0 }
t := input with input as {"a": `raw`}
