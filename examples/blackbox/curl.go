package blackbox

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// CurlCommand is one command a development issuer printed: the status its
// comment line announces and the request the curl command line makes.
type CurlCommand struct {
	// Want is the status announced by the "# expect STATUS: …" line.
	Want int
	// Comment is the text after "# expect STATUS: ".
	Comment string
	// Line is the curl command line, as printed.
	Line string
	// Method, URL, Header and Body are the request it makes.
	Method string
	URL    string
	Header http.Header
	Body   string
}

// expectLine introduces a printed command.
var expectLine = regexp.MustCompile(`^# expect (\d{3}): ?(.*)$`)

// ParseCurlCommands finds, in an app's output, every "# expect STATUS: …"
// line and the curl command on the next non-empty line, and parses that
// command. It understands the subset the examples print: -i, -s, -X
// METHOD, -H 'Name: value', -d 'body' and one URL, with arguments in
// single quotes or bare.
func ParseCurlCommands(out string) ([]CurlCommand, error) {
	var cmds []CurlCommand
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := expectLine.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		want, _ := strconv.Atoi(m[1])
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j == len(lines) {
			return nil, fmt.Errorf("line %d: %q is followed by no command", i+1, lines[i])
		}
		c, err := parseCurl(strings.TrimSpace(lines[j]))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", j+1, err)
		}
		c.Want, c.Comment = want, m[2]
		cmds = append(cmds, c)
		i = j
	}
	return cmds, nil
}

func parseCurl(line string) (CurlCommand, error) {
	c := CurlCommand{Line: line, Method: http.MethodGet, Header: http.Header{}}
	args, err := shellWords(line)
	if err != nil {
		return c, err
	}
	if len(args) == 0 || args[0] != "curl" {
		return c, fmt.Errorf("not a curl command: %q", line)
	}
	method := ""
	for i := 1; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs an argument in %q", a, line)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "-i" || a == "-s" || a == "-si" || a == "-is" || a == "--include" || a == "--silent":
		case a == "-X" || a == "--request":
			v, err := next()
			if err != nil {
				return c, err
			}
			method = v
		case a == "-H" || a == "--header":
			v, err := next()
			if err != nil {
				return c, err
			}
			name, value, ok := strings.Cut(v, ":")
			if !ok {
				return c, fmt.Errorf("header %q has no colon", v)
			}
			c.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		case a == "-d" || a == "--data" || a == "--data-raw":
			v, err := next()
			if err != nil {
				return c, err
			}
			c.Body = v
			c.Method = http.MethodPost // as curl does, unless -X says otherwise
		case strings.HasPrefix(a, "-"):
			return c, fmt.Errorf("unexpected curl option %q in %q", a, line)
		default:
			if c.URL != "" {
				return c, fmt.Errorf("two URLs in %q", line)
			}
			c.URL = a
		}
	}
	if method != "" {
		c.Method = method
	}
	if c.URL == "" {
		return c, fmt.Errorf("no URL in %q", line)
	}
	if c.Body != "" && c.Header.Get("Content-Type") == "" {
		c.Header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's default for -d
	}
	return c, nil
}

// Request builds the request the command makes.
func (c CurlCommand) Request() (*http.Request, error) {
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequest(c.Method, c.URL, body)
	if err != nil {
		return nil, err
	}
	req.Header = c.Header.Clone()
	return req, nil
}

// shellWords splits a POSIX shell command line made of bare words and
// single-quoted strings (no escapes, no variables).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote:
			if ch == '\'' {
				inQuote = false
			} else {
				cur.WriteByte(ch)
			}
		case ch == '\'':
			inQuote, inWord = true, true
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '"' || ch == '\\' || ch == '$' || ch == '`':
			return nil, fmt.Errorf("unsupported shell character %q in %q", ch, s)
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
