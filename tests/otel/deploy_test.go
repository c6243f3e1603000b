package otel_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/jwksauth/jwksauth/core/telemetry"
)

// prometheusVocabulary returns the series names of every metric the code
// defines and the label names of every attribute, as Prometheus sees them.
func prometheusVocabulary() (series, labels map[string]bool) {
	series, labels = map[string]bool{}, map[string]bool{}
	for _, m := range telemetry.Catalog() {
		for _, n := range m.PrometheusNames() {
			series[n] = true
		}
	}
	for _, a := range []string{telemetry.AttrIssuer, telemetry.AttrOutcome, telemetry.AttrReason,
		telemetry.AttrDocument, telemetry.AttrFetchResult, telemetry.AttrStatusClass,
		telemetry.AttrSkipReason, telemetry.AttrAdapter, telemetry.AttrStatusCode} {
		labels[strings.ReplaceAll(a, ".", "_")] = true
	}
	return series, labels
}

var promIdent = regexp.MustCompile(`\b(jwksauth_[a-z_]+|http_response_status_code)\b`)

// checkIdents fails for every jwksauth_ identifier in text that is neither
// a series nor a label the code defines, and returns the series used.
func checkIdents(t *testing.T, what, text string) map[string]bool {
	t.Helper()
	series, labels := prometheusVocabulary()
	used := map[string]bool{}
	for _, id := range promIdent.FindAllString(text, -1) {
		switch {
		case series[id]:
			used[id] = true
		case labels[id]:
		default:
			t.Errorf("%s: %s is no metric or label that the code defines", what, id)
		}
	}
	return used
}

// TestDashboard checks the Grafana dashboard: valid JSON, every panel
// queries, every query names only metrics and labels the code defines, and
// every metric appears on some panel.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana/jwksauth.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if d.Title == "" || len(d.Panels) < 10 {
		t.Fatalf("dashboard %q with %d panels", d.Title, len(d.Panels))
	}
	families := map[string]bool{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if !strings.Contains(tg.Expr, "jwksauth_") {
				t.Errorf("panel %q: query %q names no jwksauth metric", p.Title, tg.Expr)
			}
			for s := range checkIdents(t, "panel "+p.Title, tg.Expr) {
				families[s] = true
			}
		}
	}
	for _, m := range telemetry.Catalog() {
		if !slices.ContainsFunc(m.PrometheusNames(), func(n string) bool { return families[n] }) {
			t.Errorf("no panel shows %s", m.Name)
		}
	}
}

// TestAlertRules checks that the rules file has the alerts operations.md
// documents, each with for/severity/summary/description where due, and
// names only metrics and labels the code defines. promtool checks syntax
// and behaviour (make rules).
func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/jwksauth.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	checkIdents(t, "rules", text)
	for _, alert := range []string{"JWKSAuthFetchesFailing", "JWKSAuthKeysStale", "JWKSAuthRejectionSpike",
		"JWKSAuthUnknownKIDFlood", "JWKSAuthKeyRotation", "JWKSAuthIssuerNeverReady"} {
		i := strings.Index(text, "alert: "+alert+"\n")
		if i < 0 {
			t.Errorf("no alert %s", alert)
			continue
		}
		block := text[i:]
		if j := strings.Index(block[1:], "- alert: "); j >= 0 {
			block = block[:j]
		}
		for _, want := range []string{"severity: ", "summary: ", "description: "} {
			if !strings.Contains(block, want) {
				t.Errorf("%s lacks %q", alert, want)
			}
		}
		if alert != "JWKSAuthKeyRotation" && !strings.Contains(block, "for: ") {
			t.Errorf("%s lacks for:", alert)
		}
	}
}

// checkCatalog fails unless every metric collected is in the catalog with
// the same unit and kind.
func checkCatalog(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	cat := map[string]telemetry.Metric{}
	for _, m := range telemetry.Catalog() {
		cat[m.Name] = m
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != telemetry.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			c, ok := cat[m.Name]
			if !ok {
				t.Errorf("metric %s is not in the catalog", m.Name)
				continue
			}
			var kind telemetry.Kind
			switch m.Data.(type) {
			case metricdata.Sum[int64], metricdata.Sum[float64]:
				kind = telemetry.Counter
			case metricdata.Histogram[float64], metricdata.Histogram[int64]:
				kind = telemetry.Histogram
			case metricdata.Gauge[int64], metricdata.Gauge[float64]:
				kind = telemetry.Gauge
			}
			if m.Unit != c.Unit || kind != c.Kind {
				t.Errorf("%s: unit %q kind %s, catalog says %q %s", m.Name, m.Unit, kind, c.Unit, c.Kind)
			}
		}
	}
}
