package ref

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// BurgersNu is the viscosity ν = 0.01/π of the standard PINN Burgers
// benchmark (Raissi et al. 2019; DeepXDE's Burgers.npz).
const BurgersNu = 0.01 / math.Pi

// DefaultBurgersOrder is the Gauss–Hermite order used for the default
// Burgers reference. It is the smallest order of the doubling study
// 20, 40, 80, 160, 320 (TestBurgersQuadratureOrderStudy) whose values on the
// 256×100 DeepXDE grid with ν = 0.01/π change by at most 10⁻¹⁰ when the
// order is doubled. Measured max|Δu| between successive orders:
// 20→40: 2.4·10⁻¹, 40→80: 2.8·10⁻⁵, 80→160: 6.3·10⁻¹⁴, 160→320: 3.8·10⁻¹⁵.
// On 4001 x-points × t ∈ [0.3, 1] order 80 differs from order 320 by at most
// 1·10⁻¹³.
const DefaultBurgersOrder = 80

// Default Burgers grid of DeepXDE's Burgers.npz: 256 points in x on
// [−1, 1] and 100 points in t on [0, 0.99], both endpoints included.
const (
	BurgersNX   = 256
	BurgersNT   = 100
	BurgersTMax = 0.99
)

// BurgersColeHopf returns the exact solution of the viscous Burgers equation
// u_t + u·u_x − ν·u_xx = 0 on x ∈ [−1, 1], u(x, 0) = −sin(πx),
// u(±1, t) = 0, from the Cole–Hopf representation
//
//	u(x, t) = −∫ sin(π(x−η))·f(x−η)·e^{−η²/(4νt)} dη / ∫ f(x−η)·e^{−η²/(4νt)} dη,
//	f(y) = exp(−cos(πy)/(2πν)),
//
// evaluated with the order-point Gauss–Hermite rule after substituting
// η = √(4νt)·z. The exponents −cos(πy)/(2πν) (up to ±50 for ν = 0.01/π) and
// the log-weights are combined and the maximum is factored out before
// exponentiation, so nothing overflows. At t = 0 it returns −sin(πx)
// exactly. It returns an error for x ∉ [−1, 1], t < 0, ν ≤ 0, non-finite
// arguments, or order ∉ [MinQuadratureOrder, MaxQuadratureOrder].
// DefaultBurgersOrder is accurate to ≈10⁻¹³ for ν = 0.01/π, t ≤ 1;
// smaller ν or larger t need a higher order (the integrand concentrates
// near |z| ≈ 1/√(4νt)).
func BurgersColeHopf(x, t, nu float64, order int) (float64, error) {
	if err := checkBurgers(nu, order); err != nil {
		return 0, err
	}
	if !(x >= -1 && x <= 1) {
		return 0, fmt.Errorf("ref: Burgers x = %g out of range [-1, 1]", x)
	}
	if !(t >= 0) || !finite(t) {
		return 0, fmt.Errorf("ref: Burgers t = %g out of range [0, +Inf)", t)
	}
	r, err := gaussHermite(order)
	if err != nil {
		return 0, err
	}
	return burgersEval(x, t, nu, r, make([]float64, 2*order)), nil
}

func checkBurgers(nu float64, order int) error {
	if !(nu > 0) || !finite(nu) {
		return fmt.Errorf("ref: Burgers viscosity nu = %g out of range (0, +Inf)", nu)
	}
	if order < MinQuadratureOrder || order > MaxQuadratureOrder {
		return fmt.Errorf("ref: quadrature order %d out of range [%d, %d]", order, MinQuadratureOrder, MaxQuadratureOrder)
	}
	return nil
}

// burgersEval evaluates the Cole–Hopf quotient; buf has length ≥ 2·len(r.z).
func burgersEval(x, t, nu float64, r *ghRule, buf []float64) float64 {
	if t == 0 {
		return -math.Sin(math.Pi * x)
	}
	n := len(r.z)
	expo, sn := buf[:n], buf[n:2*n]
	s := math.Sqrt(4 * nu * t)
	c := 1 / (2 * math.Pi * nu)
	maxE := math.Inf(-1)
	for k, z := range r.z {
		sv, cv := math.Sincos(math.Pi * (x - s*z))
		e := r.logw[k] - c*cv
		expo[k], sn[k] = e, sv
		if e > maxE {
			maxE = e
		}
	}
	var num, den float64
	for k := range expo {
		w := math.Exp(expo[k] - maxE)
		num += w * sn[k]
		den += w
	}
	return -num / den
}

// BurgersGrid evaluates BurgersColeHopf on the tensor grid of nx ≥ 2 points
// x = linspace(−1, 1, nx) and nt ≥ 2 points t = linspace(0, tMax, nt)
// (numpy.linspace spacing, endpoints included), with tMax > 0. The
// DeepXDE Burgers.npz reference is
// BurgersGrid(BurgersNX, BurgersNT, BurgersTMax, BurgersNu, DefaultBurgersOrder).
// Rows are computed in parallel on GOMAXPROCS goroutines.
func BurgersGrid(nx, nt int, tMax, nu float64, order int) (*Grid2D, error) {
	if nx < 2 {
		return nil, fmt.Errorf("ref: Burgers grid nx = %d out of range [2, +Inf)", nx)
	}
	if nt < 2 {
		return nil, fmt.Errorf("ref: Burgers grid nt = %d out of range [2, +Inf)", nt)
	}
	if !(tMax > 0) || !finite(tMax) {
		return nil, fmt.Errorf("ref: Burgers grid tMax = %g out of range (0, +Inf)", tMax)
	}
	if err := checkBurgers(nu, order); err != nil {
		return nil, err
	}
	r, err := gaussHermite(order)
	if err != nil {
		return nil, err
	}
	g := &Grid2D{X: linspace(-1, 1, nx), T: linspace(0, tMax, nt), U: make([][]float64, nx)}
	workers := min(runtime.GOMAXPROCS(0), nx)
	var wg sync.WaitGroup
	rows := make(chan int, nx)
	for i := range nx {
		rows <- i
	}
	close(rows)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, 2*order)
			for i := range rows {
				row := make([]float64, nt)
				for j, t := range g.T {
					row[j] = burgersEval(g.X[i], t, nu, r, buf)
				}
				g.U[i] = row
			}
		}()
	}
	wg.Wait()
	return g, nil
}
