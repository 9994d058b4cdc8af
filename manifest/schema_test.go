package manifest

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestSchema keeps schema.json in step with the decoder: the same property
// names at every level, the same enums and the same integer ranges.
func TestSchema(t *testing.T) {
	data, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("schema.json is not valid JSON: %v", err)
	}
	if got := schema["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", got)
	}
	defs, _ := schema["$defs"].(map[string]any)
	def := func(name string) map[string]any {
		d, _ := defs[name].(map[string]any)
		if d == nil {
			t.Fatalf("$defs.%s is missing", name)
		}
		return d
	}
	objects := []struct {
		name   string
		schema map[string]any
		fields []string
	}{
		{"top level", schema, fieldNames(manifestFields)},
		{"system", def("system"), fieldNames(systemFields)},
		{"component", def("component"), fieldNames(componentFields)},
		{"limits", def("limits"), fieldNames(limitsFields)},
		{"mailbox", def("mailbox"), fieldNames(mailboxFields)},
		{"preopen", def("preopen"), fieldNames(preopenFields)},
		{"supervisor", def("supervisor"), fieldNames(supervisionFields)},
		{"child", def("child"), fieldNames(childFields)},
		{"backoff", def("backoff"), fieldNames(backoffFields)},
		{"interface", def("interface"), fieldNames(interfaceFields)},
		{"operation", def("operation"), fieldNames(operationFields)},
		{"param", def("param"), fieldNames(paramFields)},
		{"region", def("region"), fieldNames(regionFields)},
		{"boundary", def("boundary"), fieldNames(boundaryFields)},
		{"fallback", def("fallback"), fieldNames(fallbackFields)},
		{"pair", def("pair"), fieldNames(pairFields)},
		{"proxy", def("proxy"), fieldNames(proxyFields)},
	}
	for _, o := range objects {
		t.Run(o.name, func(t *testing.T) {
			props, _ := o.schema["properties"].(map[string]any)
			var names []string
			for k := range props {
				names = append(names, k)
			}
			slices.Sort(names)
			want := slices.Sorted(slices.Values(o.fields))
			if !slices.Equal(names, want) {
				t.Errorf("properties = %v; the decoder accepts %v", names, want)
			}
			if o.schema["additionalProperties"] != false {
				t.Errorf("additionalProperties is not false")
			}
		})
	}

	prop := func(obj map[string]any, name string) map[string]any {
		p, _ := obj["properties"].(map[string]any)[name].(map[string]any)
		if p == nil {
			t.Fatalf("no property %s", name)
		}
		return p
	}
	enums := []struct {
		name   string
		schema map[string]any
		values []string
	}{
		{"kind", prop(def("component"), "kind"), kinds},
		{"overflow", prop(def("mailbox"), "overflow"), overflows},
		{"log_level", prop(def("system"), "log_level"), logLevels},
		{"on_conflict", prop(def("component"), "on_conflict"), conflicts},
		{"max_tier", prop(def("fallback"), "max_tier"), maxTiers},
	}
	for _, e := range enums {
		var got []string
		for _, v := range e.schema["enum"].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, e.values) {
			t.Errorf("%s enum = %v, want %v", e.name, got, e.values)
		}
	}
	ranges := []struct {
		name   string
		schema map[string]any
		rule   intRule
	}{
		{"instances", prop(def("component"), "instances"), instancesRule},
		{"memory_pages", prop(def("limits"), "memory_pages"), memoryPagesRule},
		{"capacity", prop(def("mailbox"), "capacity"), capacityRule},
		{"messageSize", def("messageSize"), messageSizeRule},
		{"priority", prop(def("component"), "priority"), priorityRule},
		{"threshold", prop(def("fallback"), "threshold"), thresholdRule},
	}
	for _, r := range ranges {
		if r.schema["minimum"] != float64(r.rule.min) || r.schema["maximum"] != float64(r.rule.max) {
			t.Errorf("%s range = [%v, %v], want [%d, %d]", r.name, r.schema["minimum"], r.schema["maximum"], r.rule.min, r.rule.max)
		}
	}
}
