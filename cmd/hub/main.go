// Command hub runs iohub. It only parses flags and calls the hub library.
//
//	hub [serve] [-c hub.toml]   run the hub (the default)
//	hub check   [-c hub.toml]   validate a config, print every problem
//	hub token --role R --sub ID [--ttl 1h] [-c hub.toml]
//	                            mint a JWT with the config's secret, for trying things out
//	hub try [flags] module.wasm run one event through a handler module
//	hub version                 print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the process exit code: 0 ok, 1 failure, 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "try" {
		return tryModule(args, stdout, stderr)
	}
	fs := flag.NewFlagSet("hub "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := "hub.toml"
	fs.StringVar(&cfgPath, "config", cfgPath, "path of the config file")
	fs.StringVar(&cfgPath, "c", cfgPath, "shorthand for -config")
	var role, sub string
	var ttl time.Duration
	if cmd == "token" {
		fs.StringVar(&role, "role", "", "role claim of the token (required)")
		fs.StringVar(&sub, "sub", "", "user id of the token (required)")
		fs.DurationVar(&ttl, "ttl", time.Hour, "lifetime of the token")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hub %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}

	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "iohub", hub.VersionString())
		return 0
	case "serve":
		return serve(cfgPath, stderr)
	case "check":
		return check(cfgPath, stdout, stderr)
	case "token":
		return token(cfgPath, role, sub, ttl, stdout, stderr)
	}
	fmt.Fprintf(stderr, "hub: unknown command %q (expected serve, check, token, try or version)\n", cmd)
	return 2
}

func serve(cfgPath string, stderr io.Writer) int {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	logger, err := hub.NewLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("starting iohub", "version", hub.VersionString(), "config", cfgPath)
	srv, err := hub.New(cfg, logger)
	if err != nil {
		logger.Error("hub not started", "err", err)
		return 1
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			logger.Info("SIGHUP")
			srv.Reload(ctx) // logs what it reloads, or that there is nothing to
		}
	}()
	if err := srv.ListenAndServe(ctx); err != nil {
		logger.Error("hub stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

func check(cfgPath string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		var problems *config.Problems
		if errors.As(err, &problems) {
			for _, p := range problems.List {
				fmt.Fprintf(stderr, "%s: %s: %s\n", cfgPath, p.Key, p.Message)
			}
			fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(problems.List), cfgPath)
			return 1
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Building the hub catches what only the pieces can check (PEM keys,
	// handler modules, ...).
	srv, err := hub.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfgPath, err)
		return 1
	}
	defer srv.Close()
	if problems := srv.Problems(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stderr, "%s: %s\n", cfgPath, p)
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(problems), cfgPath)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", cfgPath)
	return 0
}

func token(cfgPath, role, sub string, ttl time.Duration, stdout, stderr io.Writer) int {
	if role == "" || sub == "" {
		fmt.Fprintln(stderr, "hub token: --role and --sub are required")
		return 2
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	a, err := auth.New(cfg.Auth, cfg.Strapi, cfg.PublicRoleName, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	tok, err := a.Mint(role, sub, ttl)
	if err != nil {
		fmt.Fprintln(stderr, "hub token:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
