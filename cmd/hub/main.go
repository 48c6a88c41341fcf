// Command hub runs iohub. It only parses flags and calls the hub library.
//
//	hub [serve] [-c hub.toml]   run the hub (the default)
//	hub check   [-c hub.toml]   validate a config, print every problem
//	hub token -role R -sub ID [-ttl 1h] [-c hub.toml]
//	                            mint a JWT with the config's secret, for trying things out
//	hub try [flags] module.wasm run one event through a handler module
//	hub version                 print the version
//	hub help [command]          list the commands, or one command's flags
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand of hub.
type command struct {
	name    string
	summary string // one line, for the list of commands
	usage   string // the usage line, after "usage: "
	about   string // what -h says beside the flags; may be empty
	nargs   int    // positional arguments it takes (exactly)
	// flags defines the command's flags on fs and returns what runs once they
	// are parsed, with the positional arguments.
	flags func(fs *flag.FlagSet, stdout, stderr io.Writer) func(args []string) int
}

// commands in the order `hub help` lists them. help itself is handled by run.
var commands = []*command{serveCmd, checkCmd, tokenCmd, tryCmd, versionCmd, helpCmd}

var helpCmd = &command{
	name:    "help",
	summary: "list the commands, or print one command's usage and flags",
	usage:   "hub help [command]",
}

// run returns the process exit code: 0 ok, 1 failure, 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	name := "serve" // `hub` and `hub -c x.toml` serve
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			listCommands(stdout)
			return exitOK
		case a != "" && a[0] != '-':
			name, args = a, args[1:]
		}
	}
	if name == "help" {
		return help(args, stdout, stderr)
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "hub: unknown command %q\n\n", name)
		listCommands(stderr)
		return exitUsage
	}
	return c.run(args, stdout, stderr)
}

func lookup(name string) *command {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name })
	if i < 0 {
		return nil
	}
	return commands[i]
}

func help(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		listCommands(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintf(stderr, "hub help: unexpected argument %q\nusage: %s\n", args[1], helpCmd.usage)
		return exitUsage
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "hub help: unknown command %q\n\n", args[0])
		listCommands(stderr)
		return exitUsage
	}
	if c == helpCmd {
		fmt.Fprintf(stdout, "usage: %s\n\n%s.\n", c.usage, capitalize(c.summary))
		return exitOK
	}
	fs, _ := c.flagSet(stdout, stderr)
	fs.SetOutput(stdout)
	fs.Usage()
	return exitOK
}

func listCommands(w io.Writer) {
	fmt.Fprint(w, "iohub: a realtime event hub speaking Socket.IO v4, fed by Strapi webhooks, an HTTP API\nand WebAssembly or JavaScript handlers.\n\nusage: hub <command> [flags]\n\ncommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprint(w, "\nWithout a command, hub serves. \"hub <command> -h\" prints a command's usage and flags.\n")
}

// flagSet is c's flags, with a Usage that prints the usage line, what the
// command does and its flags, and what runs once they are parsed.
func (c *command) flagSet(stdout, stderr io.Writer) (*flag.FlagSet, func([]string) int) {
	fs := flag.NewFlagSet("hub "+c.name, flag.ContinueOnError)
	action := func([]string) int { return exitOK }
	if c.flags != nil {
		action = c.flags(fs, stdout, stderr)
	}
	fs.Usage = func() { c.printUsage(fs) }
	return fs, action
}

func (c *command) printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "usage: %s\n\n", c.usage)
	if c.about != "" {
		fmt.Fprintln(w, c.about)
	} else {
		fmt.Fprintf(w, "%s.\n", capitalize(c.summary))
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
}

// run parses args and runs c. -h prints the usage on stdout (exit 0); a
// flag error prints it on stderr (exit 2).
func (c *command) run(args []string, stdout, stderr io.Writer) int {
	fs, action := c.flagSet(stdout, stderr)
	var out bytes.Buffer // stdout for -h, stderr for an error: known after Parse
	fs.SetOutput(&out)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = out.WriteTo(stdout)
		return exitOK
	case err != nil:
		_, _ = out.WriteTo(stderr)
		return exitUsage
	}
	fs.SetOutput(stderr)
	if fs.NArg() != c.nargs {
		if fs.NArg() > c.nargs {
			fmt.Fprintf(stderr, "hub %s: unexpected argument %q\n", c.name, fs.Arg(c.nargs))
		} else {
			fmt.Fprintf(stderr, "hub %s: missing argument\n", c.name)
		}
		fmt.Fprintf(stderr, "usage: %s\n", c.usage)
		return exitUsage
	}
	return action(fs.Args())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// configFlag defines -config and its shorthand -c.
func configFlag(fs *flag.FlagSet) *string {
	path := "hub.toml"
	fs.StringVar(&path, "config", path, "path of the config file")
	fs.StringVar(&path, "c", path, "shorthand for -config")
	return &path
}
