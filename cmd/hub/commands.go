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
	"github.com/iohub/iohub/hub/config"
)

var serveCmd = &command{
	name:    "serve",
	summary: "run the hub (the default when no command is given)",
	usage:   "hub [serve] [-c hub.toml]",
	about: "Runs the hub: Socket.IO and the HTTP API on the config's listen address.\n" +
		"SIGINT/SIGTERM stop it gracefully; SIGHUP re-reads the config file and applies\n" +
		"what can change live (as POST /hub/reload does), and re-reads the handler modules.",
	flags: func(fs *flag.FlagSet, _, stderr io.Writer) func([]string) int {
		cfgPath := configFlag(fs)
		return func([]string) int { return serve(*cfgPath, stderr) }
	},
}

var checkCmd = &command{
	name:    "check",
	summary: "validate a config and its handler modules, print every problem",
	usage:   "hub check [-c hub.toml]",
	about: "Validates the config file and what only the hub's pieces can check (keys,\n" +
		"handler modules), printing every problem as file: key: message. Exit 1 when\n" +
		"there are problems. Development defaults still in use are named as warnings.",
	flags: func(fs *flag.FlagSet, stdout, stderr io.Writer) func([]string) int {
		cfgPath := configFlag(fs)
		return func([]string) int { return check(*cfgPath, stdout, stderr) }
	},
}

const tokenUsage = "hub token -role R -sub ID [-ttl 1h] [-c hub.toml]"

var tokenCmd = &command{
	name:    "token",
	summary: "mint a JWT with the config's secret, for trying things out",
	usage:   tokenUsage,
	about: "Prints a JWT signed with auth.jwtSecret, with the role claim (auth.roleClaim)\n" +
		"and the user id, for a socket.io client's auth.token.",
	flags: func(fs *flag.FlagSet, stdout, stderr io.Writer) func([]string) int {
		cfgPath := configFlag(fs)
		role := fs.String("role", "", "role claim of the token (required)")
		sub := fs.String("sub", "", "user id of the token (required)")
		ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
		return func([]string) int { return token(*cfgPath, *role, *sub, *ttl, stdout, stderr) }
	},
}

var versionCmd = &command{
	name:    "version",
	summary: "print the version",
	usage:   "hub version",
	flags: func(_ *flag.FlagSet, stdout, _ io.Writer) func([]string) int {
		return func([]string) int {
			fmt.Fprintln(stdout, "iohub", hub.VersionString())
			return exitOK
		}
	},
}

func serve(cfgPath string, stderr io.Writer) int {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	lv, err := hub.ParseLevel(cfg.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	var level slog.LevelVar // a reload sets it from logLevel
	level.Set(lv)
	logger, err := hub.NewLevelLogger(&level, cfg.LogFormat, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("starting iohub", "version", hub.VersionString(), "config", cfgPath)
	srv, err := hub.NewFromConfig(cfg, logger)
	if err != nil {
		logger.Error("hub not started", "err", err)
		return exitFail
	}
	srv.SetConfigFile(cfgPath)
	srv.SetLogLevel(&level)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnSignal(ctx, hup, srv, logger)
	if err := srv.ListenAndServe(ctx); err != nil {
		logger.Error("hub stopped", "err", err)
		return exitFail
	}
	logger.Info("stopped")
	return exitOK
}

// reloadOnSignal reloads the config on each signal from hup until ctx ends.
// The hub logs what changed, or every problem that kept it from changing.
func reloadOnSignal(ctx context.Context, hup <-chan os.Signal, srv *hub.Server, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			logger.Info("SIGHUP: reloading the config")
			_, _ = srv.ReloadConfig(ctx)
		}
	}
}

func check(cfgPath string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		var problems *config.Problems
		if errors.As(err, &problems) {
			for _, line := range hub.ProblemLines(cfgPath, err) {
				fmt.Fprintln(stderr, line)
			}
			fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(problems.List), cfgPath)
			return exitFail
		}
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	// Building the hub catches what only the pieces can check (PEM keys,
	// handler modules, ...).
	srv, err := hub.NewFromConfig(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfgPath, err)
		return exitFail
	}
	defer srv.Close()
	if problems := srv.Problems(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stderr, "%s: %s\n", cfgPath, p)
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(problems), cfgPath)
		return exitFail
	}
	// Not problems: the shipped hub.toml uses them, and it must pass.
	for _, d := range cfg.DevDefaults() {
		fmt.Fprintf(stderr, "%s: warning: %s: development default in use; %s\n", cfgPath, d.Key, d.Fix)
	}
	fmt.Fprintf(stdout, "%s: ok\n", cfgPath)
	return exitOK
}

func token(cfgPath, role, sub string, ttl time.Duration, stdout, stderr io.Writer) int {
	if role == "" || sub == "" {
		fmt.Fprintln(stderr, "hub token: --role and --sub are required")
		fmt.Fprintf(stderr, "usage: %s\n", tokenUsage)
		return exitUsage
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	opts, err := hub.OptionsFromConfig(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	a, err := hub.NewAuthenticator(opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	tok, err := a.Mint(role, sub, ttl)
	if err != nil {
		fmt.Fprintln(stderr, "hub token:", err)
		return exitFail
	}
	fmt.Fprintln(stdout, tok)
	return exitOK
}
