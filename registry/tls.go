package registry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
)

// selfSignedValidity is how long a generated certificate is valid.
const selfSignedValidity = 365 * 24 * time.Hour

// SelfSigned returns the registry's self-signed certificate for a server
// listening on addr: the one kept in dir/tls if it still names every
// address clients may use, else a new ECDSA P-256 one (saved, key 0600).
// It returns the certificate, its SHA-256 fingerprint and the PEM file
// clients should trust (as --tls-ca or certs.d/HOST:PORT/ca.crt).
func SelfSigned(dir string, addr net.Addr) (tls.Certificate, string, string, error) {
	tdir := filepath.Join(dir, "tls")
	certFile, keyFile := filepath.Join(tdir, "cert.pem"), filepath.Join(tdir, "key.pem")
	ips, names := altNames(addr)
	if c, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && covers(c, ips, names) {
		return c, Fingerprint(c.Certificate[0]), certFile, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "berth registry", Organization: []string{"berth"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that it can be given as a CA file
		IPAddresses:           ips,
		DNSNames:              names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return tls.Certificate{}, "", "", err
	}
	if err := atomicfile.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return tls.Certificate{}, "", "", err
	}
	if err := atomicfile.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, "", "", err
	}
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	return c, Fingerprint(der), certFile, nil
}

// Fingerprint is the SHA-256 of a DER certificate as openssl prints it
// (AB:CD:...).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// altNames are the addresses a certificate for a server on addr names:
// loopback and localhost always; the address bound, or with an
// unspecified one every address of the host's interfaces and its name.
func altNames(addr net.Addr) ([]net.IP, []string) {
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	names := []string{"localhost"}
	ta, _ := addr.(*net.TCPAddr)
	switch {
	case ta == nil:
	case ta.IP.IsUnspecified():
		if as, err := net.InterfaceAddrs(); err == nil {
			for _, a := range as {
				if in, ok := a.(*net.IPNet); ok && !in.IP.IsLoopback() && !in.IP.IsLinkLocalUnicast() {
					ips = append(ips, in.IP)
				}
			}
		}
		if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
			names = append(names, h)
		}
	case !ta.IP.IsLoopback():
		ips = append(ips, ta.IP)
	}
	return ips, names
}

// covers says whether c is valid for a while yet and names every ip and
// name.
func covers(c tls.Certificate, ips []net.IP, names []string) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || time.Until(leaf.NotAfter) < 7*24*time.Hour {
		return false
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	for _, n := range names {
		if !slices.Contains(leaf.DNSNames, n) {
			return false
		}
	}
	return true
}
