//go:build unix

package jwkstest

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"syscall"
)

// kitHoldPort binds a TCP socket to addr (a loopback address and port) and
// does not listen on it: connections to the port are refused, as with no
// socket at all, but no other listener can take the port while it is held.
// Without it, a listener opened meanwhile on port 0 (by another issuer, say)
// could be given the port, and an issuer whose endpoint is down would
// suddenly be served by someone else.
//
// The first try binds without SO_REUSEADDR, which keeps every other socket
// off the port. When connections of the closed listener linger in
// TIME_WAIT that bind fails, and the second try sets SO_REUSEADDR: an
// explicit bind to the port with SO_REUSEADDR could then share it, but the
// kernel still never hands a bound port to a listener asking for port 0.
func kitHoldPort(addr string) (io.Closer, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("jwkstest: hold %s: %w", addr, err)
	}
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip := ap.Addr(); ip.Is4() {
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	}
	var errs []error
	for _, reuse := range []bool{false, true} {
		fd, err := kitBindOnly(family, sa, reuse)
		if err == nil {
			return kitHeldPort(fd), nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("jwkstest: hold %s: %w", addr, errors.Join(errs...))
}

// kitBindOnly returns a TCP socket bound to sa, not listening.
func kitBindOnly(family int, sa syscall.Sockaddr, reuse bool) (int, error) {
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	if reuse {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			_ = syscall.Close(fd)
			return -1, err
		}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// kitHeldPort is the socket that holds a port.
type kitHeldPort int

func (h kitHeldPort) Close() error { return syscall.Close(int(h)) }
