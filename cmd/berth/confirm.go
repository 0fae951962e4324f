package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// confirmPrune asks docker's prune question about what would be removed
// and reports whether the answer was yes; force skips the question.
func confirmPrune(force bool, what string) bool {
	return confirm(force, "WARNING! This will remove "+what+".")
}

// confirmPruneList is confirmPrune for several kinds, as `system prune`
// lists them.
func confirmPruneList(force bool, what ...string) bool {
	return confirm(force, "WARNING! This will remove:\n  - "+strings.Join(what, "\n  - "))
}

func confirm(force bool, warning string) bool {
	if force {
		return true
	}
	fmt.Printf("%s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
