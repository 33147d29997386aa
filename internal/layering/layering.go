// Package layering holds no code: its test checks that the module's packages import only
// downwards, along
//
//	cmd → bench, viz, notebooks/nb (helpers above the catalogue) → problems → annsvd/solve,
//	annsvd/adapt, annsvd/study (training) → annsvd, annsvd/engine, annsvd/npy, annsvd/svd,
//	internal/… (the method and its plumbing)
//
// so that the method never depends on the catalogue, and the catalogue never on the
// figures or tools built on it.
package layering
