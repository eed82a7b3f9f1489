// SPDX-License-Identifier: GPL-2.0

// regexp_check replays, with Go's own regexp package, every regular
// expression use that check.py made in Python while parsing the test files
// (check.py --go-cases FILE), and says where the two engines disagree.
//
// Usage: go run regexp_check.go FILE
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
)

type goCase struct {
	Re   string `json:"re"`
	Text string `json:"text"`
	Want []int  `json:"want"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run regexp_check.go FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var cases []goCase
	if err := json.Unmarshal(data, &cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res := map[string]*regexp.Regexp{}
	bad := 0
	for _, c := range cases {
		re := res[c.Re]
		if re == nil {
			re = regexp.MustCompile(c.Re)
			res[c.Re] = re
		}
		// check.py reads logs as Latin-1: give Go the same bytes.
		text := make([]byte, 0, len(c.Text))
		for _, r := range c.Text {
			text = append(text, byte(r))
		}
		got := re.FindSubmatchIndex(text)
		if c.Want == nil && got == nil || reflect.DeepEqual(got, c.Want) {
			continue
		}
		bad++
		if bad <= 10 {
			fmt.Printf("DIFFER %q on %q: Python %v, Go %v\n", c.Re, c.Text, c.Want, got)
		}
	}
	fmt.Printf("%d regexp uses, %d patterns: %d differ between Python and Go\n",
		len(cases), len(res), bad)
	if bad != 0 {
		os.Exit(1)
	}
}
