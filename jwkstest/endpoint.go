package jwkstest

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// kitEndpoint is one loopback listener and the routes served on it, shared
// by an issuer and its siblings ([Issuer.StartSibling]). It can be taken
// down (the listener really closed, so that connections are refused) and
// brought back up on the same port.
type kitEndpoint struct {
	routesMu sync.RWMutex
	routes   map[string]http.HandlerFunc // exact path → handler

	mu       sync.Mutex
	addr     string        // 127.0.0.1:port, fixed by the first listen
	users    int           // issuers using the endpoint
	refusing int           // issuers whose fault wants it down
	srv      *http.Server  // the serving generation; nil while down
	served   chan struct{} // closed when srv's Serve has returned
	held     io.Closer     // the port, held while refused (see kitHoldPort)
	conns    sync.WaitGroup
}

func kitNewEndpoint() (*kitEndpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("jwkstest: listen on loopback: %w", err)
	}
	ep := &kitEndpoint{routes: map[string]http.HandlerFunc{}, addr: ln.Addr().String(), users: 1}
	ep.serveLocked(ln)
	return ep, nil
}

// serveLocked starts a new server generation on ln.
func (ep *kitEndpoint) serveLocked(ln net.Listener) {
	srv := &http.Server{
		Handler:           ep,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				ep.conns.Add(1)
			case http.StateHijacked, http.StateClosed:
				ep.conns.Done()
			}
		},
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	ep.srv, ep.served = srv, served
}

// stopLocked closes the listener and every connection of the serving
// generation and waits for its Serve to return. Handlers still running see
// their request context end.
func (ep *kitEndpoint) stopLocked() {
	if ep.srv == nil {
		return
	}
	_ = ep.srv.Close()
	<-ep.served
	ep.srv, ep.served = nil, nil
}

// ServeHTTP routes a request by its exact path; unknown paths get 404.
func (ep *kitEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep.routesMu.RLock()
	h := ep.routes[r.URL.Path]
	ep.routesMu.RUnlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

func (ep *kitEndpoint) url() string { return "http://" + ep.addr }

// route registers another issuer's routes; it fails if a path is taken.
func (ep *kitEndpoint) route(routes map[string]http.HandlerFunc) error {
	ep.routesMu.Lock()
	defer ep.routesMu.Unlock()
	for p := range routes {
		if ep.routes[p] != nil {
			return fmt.Errorf("jwkstest: %s%s is already served by another issuer", ep.url(), p)
		}
	}
	for p, h := range routes {
		ep.routes[p] = h
	}
	return nil
}

func (ep *kitEndpoint) unroute(routes map[string]http.HandlerFunc) {
	ep.routesMu.Lock()
	defer ep.routesMu.Unlock()
	for p := range routes {
		delete(ep.routes, p)
	}
}

// acquire counts one more issuer on ep.
func (ep *kitEndpoint) acquire() {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	ep.users++
}

// leave counts one issuer less, withdrawing its refusal if it had one. The
// last one shuts the endpoint down and waits until every connection is
// closed; otherwise, with no refusal left, the endpoint listens again.
func (ep *kitEndpoint) leave(refusing bool) {
	ep.mu.Lock()
	ep.users--
	if refusing {
		ep.refusing--
	}
	last := ep.users == 0
	if last {
		ep.stopLocked()
		ep.releaseLocked()
	} else if ep.refusing == 0 && ep.srv == nil {
		ep.releaseLocked()
		if ln, err := net.Listen("tcp", ep.addr); err == nil {
			ep.serveLocked(ln)
		}
	}
	ep.mu.Unlock()
	if last {
		ep.conns.Wait()
	}
}

// refuse takes the endpoint down for one more issuer.
func (ep *kitEndpoint) refuse() {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	ep.refusing++
	if ep.srv != nil {
		ep.stopLocked()
		// Keep the port from other listeners while refusing. Where it
		// cannot be held, the endpoint is down all the same.
		ep.held, _ = kitHoldPort(ep.addr)
	}
}

// releaseLocked lets go of the port held while refusing, if any.
func (ep *kitEndpoint) releaseLocked() {
	if ep.held != nil {
		_ = ep.held.Close()
		ep.held = nil
	}
}

// unrefuse withdraws one issuer's refusal; when none is left the endpoint
// listens again on its port. On error the refusal stands.
func (ep *kitEndpoint) unrefuse() error {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.refusing == 1 && ep.users > 0 && ep.srv == nil {
		ep.releaseLocked()
		ln, err := net.Listen("tcp", ep.addr)
		if err != nil {
			ep.held, _ = kitHoldPort(ep.addr)
			return fmt.Errorf("jwkstest: listen again on %s: %w", ep.addr, err)
		}
		ep.serveLocked(ln)
	}
	ep.refusing--
	return nil
}
