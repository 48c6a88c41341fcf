package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads the config file at path and parses it like [Parse], naming it path
// in messages. In addition, it resolves relative auth.publicKeyFile,
// cluster.tlsCAFile, plugins.dir, plugins.jsRuntime and admin.uiDir against the file's
// directory (the fields then hold absolute paths) and checks that
// auth.publicKeyFile and cluster.tlsCAFile are readable files (without parsing
// them).
//
// The error is a *Problems for an invalid config, or the error of reading the
// file itself (e.g. an *fs.PathError wrapping fs.ErrNotExist).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return parse(data, path, base, os.LookupEnv)
}

// Parse decodes hub.toml content onto [Default], expands ${VAR} references from
// the environment and validates the result. name prefixes messages
// ("hub.toml"). Relative paths are left as written and no file is read.
//
// The error, if any, is always a *Problems listing every problem found.
func Parse(data []byte, name string) (*Config, error) {
	return parse(data, name, "", os.LookupEnv)
}

// parse is Parse and, when base is not empty, Load's path handling.
func parse(data []byte, name, base string, lookup func(string) (string, bool)) (*Config, error) {
	var root toml.Primitive // the whole file, parsed and not yet decoded
	md, err := toml.Decode(string(data), &root)
	if err != nil {
		return nil, &Problems{File: name, List: []Problem{syntaxProblem(err, data)}}
	}
	d := newDecoder(lookup)
	c := d.decode(md, root)

	// Normalisation.
	c.Strapi.URL = strings.TrimRight(c.Strapi.URL, "/")

	if base != "" {
		if c.Plugins.Dir != "" && !filepath.IsAbs(c.Plugins.Dir) {
			c.Plugins.Dir = filepath.Join(base, c.Plugins.Dir)
		}
		if c.Plugins.JSRuntime != "" && !filepath.IsAbs(c.Plugins.JSRuntime) {
			c.Plugins.JSRuntime = filepath.Join(base, c.Plugins.JSRuntime)
		}
		if c.Admin.UIDir != "" && !filepath.IsAbs(c.Admin.UIDir) {
			c.Admin.UIDir = filepath.Join(base, c.Admin.UIDir)
		}
		if f := c.Auth.PublicKeyFile; f != "" {
			if !filepath.IsAbs(f) {
				c.Auth.PublicKeyFile = filepath.Join(base, f)
			}
			if msg := checkReadable(c.Auth.PublicKeyFile); msg != "" {
				d.add(keyPath(nil).key("auth").key("publicKeyFile"), msg)
			}
		}
		if f := c.Cluster.TLSCAFile; f != "" {
			if !filepath.IsAbs(f) {
				c.Cluster.TLSCAFile = filepath.Join(base, f)
			}
			if msg := checkReadable(c.Cluster.TLSCAFile); msg != "" {
				d.add(keyPath(nil).key("cluster").key("tlsCAFile"), msg)
			}
		}
	}

	d.validate(c)
	if len(d.probs) > 0 {
		return nil, &Problems{File: name, List: sortProblems(d.probs, fileOrder(md))}
	}
	return c, nil
}

// checkReadable returns a problem message unless path is a readable file.
func checkReadable(path string) string {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Sprintf("cannot read %s: %v", quote(path), err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Sprintf("cannot read %s: is a directory", quote(path))
	}
	return ""
}

// syntaxProblem turns a TOML parse error into a Problem with its position.
func syntaxProblem(err error, data []byte) Problem {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return Problem{Message: "syntax error: " + err.Error()}
	}
	line, col := pe.Position.Line, pe.Position.Col
	if start := pe.Position.Start; start >= 0 && start <= len(data) {
		col = start - strings.LastIndexByte(string(data[:start]), '\n')
	}
	return Problem{Message: fmt.Sprintf("syntax error at line %d, column %d: %s", line, col, pe.Message)}
}
