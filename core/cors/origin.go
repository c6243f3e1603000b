package cors

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// anyOrigin is the AllowedOrigins entry that allows every origin.
const anyOrigin = "*"

// Limits of DNS names (RFC 1035 §2.3.4), applied to configured hosts and to
// the label a wildcard matches.
const (
	maxLabelLen = 63
	maxHostLen  = 253
)

// origin is a configured origin or wildcard pattern in normalized form.
type origin struct {
	scheme   string // "http" or "https"
	host     string // lowercase; without the "*." of a pattern; IPv6 in brackets
	port     string // decimal without leading zeros; "" for the scheme's default
	wildcard bool   // the leftmost label is "*"
}

// String returns the origin as browsers serialize it (with "*." in front of
// the host for a pattern).
func (o origin) String() string {
	var b strings.Builder
	b.WriteString(o.scheme)
	b.WriteString("://")
	if o.wildcard {
		b.WriteString("*.")
	}
	b.WriteString(o.host)
	if o.port != "" {
		b.WriteByte(':')
		b.WriteString(o.port)
	}
	return b.String()
}

// parseOrigin parses one AllowedOrigins entry other than "*": an origin
// "scheme://host[:port]" or a pattern "scheme://*.domain[:port]". It
// normalizes the scheme and host to lowercase and drops a default port, and
// refuses everything that is not part of an origin.
func parseOrigin(s string) (origin, error) {
	var o origin
	if s == "" {
		return o, errors.New("empty origin")
	}
	if strings.EqualFold(s, "null") {
		return o, errors.New(`the "null" origin is refused: sandboxed iframes, file: pages and redirects all send it, so allowing it allows any page`)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }); i >= 0 {
		return o, errors.New("origin contains a space, a control or a non-ASCII character (write an internationalized host in its punycode xn-- form)")
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return o, errors.New(`origin must have the form scheme://host[:port], e.g. "https://app.example.com"`)
	}
	o.scheme = asciiLower(scheme)
	if o.scheme != "http" && o.scheme != "https" {
		return o, errors.New(`origin scheme must be "http" or "https"`)
	}
	if i := strings.IndexAny(rest, "/?#@\\"); i >= 0 {
		switch rest[i] {
		case '/', '\\':
			if i == len(rest)-1 {
				return o, errors.New("origin must not end with a slash: an origin has no path")
			}
			return o, errors.New("origin must not have a path")
		case '?':
			return o, errors.New("origin must not have a query")
		case '#':
			return o, errors.New("origin must not have a fragment")
		default:
			return o, errors.New("origin must not have userinfo (user@)")
		}
	}

	host, port, err := splitHostPort(rest)
	if err != nil {
		return o, err
	}
	if o.port, err = normalizePort(port, o.scheme); err != nil {
		return o, err
	}

	if strings.HasPrefix(host, "[") {
		if strings.Contains(host, "*") {
			return o, errors.New("a wildcard cannot stand in an IP address")
		}
		o.host, err = normalizeIPv6(host)
		return o, err
	}
	host = asciiLower(host)
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		o.wildcard = true
		host = rest
	}
	if strings.Contains(host, "*") {
		return o, errors.New(`a wildcard must be the whole leftmost label, as in "https://*.example.com"`)
	}
	if err := checkHost(host); err != nil {
		return o, err
	}
	ip := isIPv4Like(host)
	if o.wildcard {
		if ip {
			return o, errors.New("a wildcard cannot stand in an IP address")
		}
		if !strings.Contains(host, ".") {
			return o, errors.New(`a wildcard must be followed by at least two labels: "https://*.com" would allow a whole top-level domain`)
		}
	}
	if ip {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() || a.String() != host {
			return o, errors.New("host ends in a number but is not an IPv4 address in dotted-decimal form (browsers would send it normalized, so it would never match)")
		}
	}
	o.host = host
	return o, nil
}

// splitHostPort splits "host[:port]" and "[v6]:port". The port is returned
// without its colon; "" when absent.
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errors.New("IPv6 address without its closing bracket")
		}
		host, after := s[:end+1], s[end+1:]
		if after == "" {
			return host, "", nil
		}
		if after[0] != ':' {
			return "", "", errors.New("unexpected characters after the IPv6 address")
		}
		return host, after[1:], checkPortPresent(after[1:])
	}
	host, port, found := strings.Cut(s, ":")
	if !found {
		return s, "", nil
	}
	if strings.Contains(port, ":") {
		return "", "", errors.New("host has more than one colon (write an IPv6 address in brackets)")
	}
	return host, port, checkPortPresent(port)
}

func checkPortPresent(port string) error {
	if port == "" {
		return errors.New("origin has a colon without a port")
	}
	return nil
}

// normalizePort checks a port and returns it in decimal without leading
// zeros, or "" when it is the scheme's default (browsers omit it).
func normalizePort(port, scheme string) (string, error) {
	if port == "" {
		return "", nil
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", errors.New("port must be a decimal number")
		}
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", errors.New("port must be between 1 and 65535")
	}
	if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
		return "", nil
	}
	return strconv.FormatUint(n, 10), nil
}

// normalizeIPv6 checks "[addr]" and returns it in the RFC 5952 form browsers
// serialize. Zones and IPv4-mapped forms are refused: origins carry no zone,
// and browsers serialize a mapped address in hex where Go writes a dotted
// quad, so such an entry could never match.
func normalizeIPv6(host string) (string, error) {
	a, err := netip.ParseAddr(host[1 : len(host)-1])
	if err != nil || !a.Is6() {
		return "", errors.New("invalid IPv6 address in brackets")
	}
	if a.Zone() != "" {
		return "", errors.New("an origin's IPv6 address has no zone")
	}
	if a.Is4In6() {
		return "", errors.New("IPv4-mapped IPv6 addresses are not supported; use the IPv4 address")
	}
	return "[" + a.String() + "]", nil
}

// checkHost checks a lowercase DNS host: dot-separated labels of letters,
// digits, hyphens and underscores, none empty (so no trailing dot).
func checkHost(host string) error {
	if host == "" {
		return errors.New("origin has no host")
	}
	if len(host) > maxHostLen {
		return errors.New("host is longer than 253 characters")
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" {
			return errors.New("host has an empty label (leading, trailing or double dot)")
		}
		if !validLabel(label) {
			return errors.New("host label must be 1 to 63 letters, digits, hyphens or underscores")
		}
	}
	return nil
}

// validLabel reports whether s is one lowercase host label: 1 to 63 of
// a-z, 0-9, '-' and '_'. It is also what a wildcard matches, so it must
// never accept '.', ':', '/' or an uppercase letter.
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > maxLabelLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isIPv4Like reports whether a host "ends in a number" in the sense of the
// WHATWG URL standard: browsers then parse it as an IPv4 address.
func isIPv4Like(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return last != ""
}

// asciiLower lowercases ASCII letters only.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// pattern matches the origins of one wildcard entry: prefix "scheme://",
// then exactly one label, then suffix ".domain[:port]".
type pattern struct {
	prefix, suffix string
}

func newPattern(o origin) pattern {
	p := pattern{prefix: o.scheme + "://", suffix: "." + o.host}
	if o.port != "" {
		p.suffix += ":" + o.port
	}
	return p
}

// match reports whether the serialized origin s is prefix + one label +
// suffix. The label may not contain '.', so "https://a.b.example.com" does
// not match "https://*.example.com", and the apex has no label at all.
func (p pattern) match(s string) bool {
	if len(s) <= len(p.prefix)+len(p.suffix) ||
		!strings.HasPrefix(s, p.prefix) || !strings.HasSuffix(s, p.suffix) {
		return false
	}
	return validLabel(s[len(p.prefix) : len(s)-len(p.suffix)])
}
