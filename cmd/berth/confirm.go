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
	if force {
		return true
	}
	fmt.Printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ", what)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
