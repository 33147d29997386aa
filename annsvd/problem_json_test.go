package annsvd

import (
	"encoding/json"
	"math"
	"testing"
)

// TestMetricsJSONNonFinite: a non-finite metric is written as null (a finished run's
// result is never lost to json's unsupported value) and read back as NaN; finite values
// round-trip exactly.
func TestMetricsJSONNonFinite(t *testing.T) {
	m := Metrics{RelL2: math.Inf(1), LInf: 0.25, RMS: math.NaN(), N: 7}
	b, err := json.Marshal(struct{ M Metrics }{m})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"M":{"rel_l2":null,"linf":0.25,"rms":null,"n":7}}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var back struct{ M Metrics }
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.M.RelL2) || !math.IsNaN(back.M.RMS) || back.M.LInf != 0.25 || back.M.N != 7 {
		t.Fatalf("round trip: %+v", back.M)
	}
	x := Metrics{RelL2: 1.0000000000000002e-7, LInf: 3, RMS: 5e-300, N: 1}
	b, _ = json.Marshal(x)
	var y Metrics
	if err := json.Unmarshal(b, &y); err != nil || y != x {
		t.Fatalf("finite round trip: %+v → %s → %+v (%v)", x, b, y, err)
	}
}
