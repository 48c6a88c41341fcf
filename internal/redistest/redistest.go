// Package redistest runs real redis-server processes for tests: each on a free
// loopback port, with its own temporary directory, no persistence, and the
// ability to stop it and start it again on the same port, or to pause and
// resume it (to test outages and hangs).
//
// When the redis-server binary is missing, tests are skipped, unless
// IOHUB_REQUIRE_REDIS is set (scripts/test.sh sets it, so CI never skips).
package redistest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iohub/iohub/internal/testreq"
)

// Options change how the server runs.
type Options struct {
	// Password, when set, is required of clients (requirepass).
	Password string
	// TLS serves TLS only (no plain port), with a certificate for 127.0.0.1
	// signed by a fresh CA written to Server.CAFile.
	TLS bool
}

// Server is one redis-server process.
type Server struct {
	// Addr is "127.0.0.1:<port>"; it stays the same across Stop and Start.
	Addr string
	// URL is the redis:// (or rediss://) URL of the server, with the password.
	URL string
	// CAFile is the PEM file of the CA that signed the server's certificate
	// (Options.TLS only).
	CAFile string

	t    testing.TB
	opts Options
	dir  string
	bin  string
	port int

	mu     sync.Mutex
	proc   *os.Process   // nil when stopped
	exited chan struct{} // closed when proc has exited
}

// Binary returns the path of redis-server, or skips (or fails, when
// IOHUB_REQUIRE_REDIS is set) the test.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testreq.Missing(t, "IOHUB_REQUIRE_REDIS", "redis-server", "apt install redis-server")
	}
	return bin
}

// Start runs a redis-server for the test; it is stopped when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: opts, dir: t.TempDir(), bin: Binary(t)}
	if opts.TLS {
		s.writeCerts()
	}
	// A port picked by the kernel can be taken again before redis binds it;
	// try a few.
	var err error
	for range 5 {
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = "127.0.0.1:" + strconv.Itoa(s.port)
	scheme := "redis"
	if opts.TLS {
		scheme = "rediss"
	}
	auth := ""
	if opts.Password != "" {
		auth = ":" + opts.Password + "@"
	}
	s.URL = scheme + "://" + auth + s.Addr + "/0"
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server (as a crash would) and waits for it to exit. It does
// nothing when the server is not running.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Kill()
	<-s.exited
	s.proc = nil
}

// Pause stops the server's process (SIGSTOP) without closing anything: its
// connections stay open and unanswered, as a hung server's would (a swap
// storm, a blocked event loop), which no connection error reveals. Resume
// continues it; a paused server is still killed when the test ends.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT): it then answers what it was sent
// meanwhile, in order.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatalf("redistest: %v to a server that is not running", sig)
	}
	if err := s.proc.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// Restart starts the stopped server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	var err error
	// The old listening socket is closed; binding again may briefly fail.
	for range 50 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatal(err)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return fmt.Errorf("redis-server already running")
	}
	args := []string{
		"--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no",
		"--dir", s.dir,
		"--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	}
	port := strconv.Itoa(s.port)
	if s.opts.TLS {
		args = append(args, "--port", "0", "--tls-port", port,
			"--tls-cert-file", filepath.Join(s.dir, "server.pem"),
			"--tls-key-file", filepath.Join(s.dir, "server.key"),
			"--tls-ca-cert-file", s.CAFile,
			"--tls-auth-clients", "no")
	} else {
		args = append(args, "--port", port)
	}
	if s.opts.Password != "" {
		args = append(args, "--requirepass", s.opts.Password)
	}
	cmd := exec.Command(s.bin, args...)
	// The server dies with the test binary, whatever kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited at start:\n%s", log)
		default:
		}
		if s.listening() {
			s.proc, s.exited = cmd.Process, exited
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server did not listen on port %d in 10s", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening reports whether the port accepts connections (and, without TLS,
// answers PING, possibly with NOAUTH: either means it is serving).
func (s *Server) listening() bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	if s.opts.TLS {
		return true
	}
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && (strings.HasPrefix(line, "+PONG") || strings.Contains(line, "NOAUTH"))
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeCerts makes a CA and a server certificate for 127.0.0.1 in s.dir.
func (s *Server) writeCerts() {
	t := s.t
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "iohub test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	s.CAFile = filepath.Join(s.dir, "ca.pem")
	for name, block := range map[string]*pem.Block{
		"ca.pem":     {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem": {Type: "CERTIFICATE", Bytes: der},
		"server.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(s.dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
