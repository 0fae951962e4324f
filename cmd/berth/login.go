package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

func init() { commands = append(commands, newLoginCmd) }

func newLoginCmd(c *cli) *cobra.Command {
	var user, password string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login [OPTIONS] [SERVER]",
		Short: "Log in to a registry (credentials go to the docker config file or its credential helper)",
		Args:  cobra.MaximumNArgs(1),
	}
	rf := registryFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		server := ""
		if len(args) == 1 {
			server = args[0]
		}
		in := bufio.NewReader(os.Stdin)
		tty := term.IsTerminal(int(os.Stdin.Fd()))
		switch {
		case passwordStdin && password != "":
			return fmt.Errorf("--password and --password-stdin are mutually exclusive: %w", errdefs.ErrInvalid)
		case passwordStdin && user == "":
			return fmt.Errorf("--password-stdin needs --username: %w", errdefs.ErrInvalid)
		case passwordStdin:
			data, err := io.ReadAll(in)
			if err != nil {
				return err
			}
			password = strings.TrimRight(string(data), "\r\n")
		}
		if user == "" && tty {
			fmt.Print("Username: ")
			line, _ := in.ReadString('\n')
			user = strings.TrimSpace(line)
		}
		if password == "" && tty {
			fmt.Print("Password: ")
			b, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Println()
			if err != nil {
				return err
			}
			password = string(b)
		}
		opts, err := rf.options(c)
		if err != nil {
			return err
		}
		if _, err := engine.Login(context.Background(), server, user, password, opts); err != nil {
			return err
		}
		fmt.Println("Login Succeeded")
		return nil
	}
	fs := cmd.Flags()
	fs.StringVarP(&user, "username", "u", "", "Username")
	fs.StringVarP(&password, "password", "p", "", "Password (prefer --password-stdin)")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "Take the password from stdin")
	return cmd
}
