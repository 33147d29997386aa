package solve

// History is the per-term loss record of a run. Record k is at global step Step[k]
// (Adam steps count first, then quasi-Newton iterations continue the count).
type History struct {
	Step []int `json:"step"`
	// Phase is "adam" or the quasi-Newton method (Config.QN) per record.
	Phase []string  `json:"phase"`
	Loss  []float64 `json:"loss"`
	// Terms maps each term name to its unweighted mean squared residual per record.
	Terms  map[string][]float64 `json:"terms"`
	WallS  []float64            `json:"wall_s"`
	Events []string             `json:"events,omitempty"`
}

func (h *History) add(step int, phase string, loss float64, names []string, terms []float64, wall float64) {
	if h.Terms == nil {
		h.Terms = map[string][]float64{}
	}
	h.Step = append(h.Step, step)
	h.Phase = append(h.Phase, phase)
	h.Loss = append(h.Loss, loss)
	for i, n := range names {
		h.Terms[n] = append(h.Terms[n], terms[i])
	}
	h.WallS = append(h.WallS, wall)
}
