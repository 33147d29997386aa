// Package ref provides independent reference solutions for the benchmark
// PDEs used to validate physics-informed neural networks:
//
//   - Burgers' equation u_t + u·u_x − ν·u_xx = 0 on x ∈ [−1, 1] with
//     u(x, 0) = −sin(πx), evaluated from the Cole–Hopf integral
//     representation by Gauss–Hermite quadrature (BurgersColeHopf,
//     BurgersGrid);
//   - the 1-D heat equation u_t = α·u_xx with a closed-form Fourier series
//     solution (HeatExact);
//   - the Allen–Cahn equation u_t − 10⁻⁴·u_xx + 5u³ − 5u = 0 with periodic
//     boundary conditions, solved by a Fourier pseudo-spectral method with
//     ETDRK4 time stepping (AllenCahn, AllenCahnGrid).
//
// Tensor-grid references are returned as a Grid2D, laid out like DeepXDE's
// reference files (usol[x_index][t_index]), and can be evaluated off-grid
// with Interp2D.
package ref
