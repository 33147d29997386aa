package nb

import (
	"errors"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/viz/pinnplot"
)

func TestQuick(t *testing.T) {
	t.Setenv(QuickEnv, "1")
	if !Quick() {
		t.Error("ANNSVD_QUICK=1: Quick() = false")
	}
	t.Setenv(QuickEnv, "0")
	if Quick() {
		t.Error("ANNSVD_QUICK=0: Quick() = true")
	}
}

// panics returns the value f panics with (nil if it returns).
func panics(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestMustCheckShow(t *testing.T) {
	boom := errors.New("boom")
	if v := panics(func() { Must(1, boom) }); v != boom {
		t.Errorf("Must with an error panicked with %v", v)
	}
	if v := panics(func() {
		if Must(7, nil) != 7 {
			t.Error("Must lost its value")
		}
	}); v != nil {
		t.Errorf("Must without an error panicked: %v", v)
	}
	if v := panics(func() { Show(nil, boom) }); v != boom {
		t.Errorf("Show with an error panicked with %v", v)
	}
}

func TestTrainLive(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go:ops_sequential,dotgeneral_small")
	p, net, cfg, err := pinnplot.Setup("poisson-paper", annsvd.LayerSpec{})
	if err != nil {
		t.Fatal(err)
	}
	p = annsvd.SubsampleStrided(p, 50)
	cfg.AdamSteps, cfg.LBFGSIters, cfg.Workers = 3, 0, 1
	res, run := TrainLive("test", p, net, cfg)
	if res.Step != 3 || run == nil || res.Problem != "poisson-paper" {
		t.Errorf("TrainLive: step %d, problem %q", res.Step, res.Problem)
	}
	cfg.AdamSteps = -1
	if v := panics(func() { TrainLive("bad", p, net, cfg) }); v == nil {
		t.Error("TrainLive with a negative Adam budget did not panic")
	}
}
