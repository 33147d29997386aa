package main

import (
	"flag"
	"io"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/experiments"
)

func runTransfer(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd study transfer", flag.ContinueOnError)
	var c experiments.TransferConfig
	c.Register(fs)
	widths := fs.String("widths", "30,30,30", "hidden widths")
	layers := fs.String("svd-layers", "1:compact:10,2:compact:10", "SVD layers (per-layer specs as in train)")
	out := fs.String("out", "", "directory for transfer.json")
	if err := parseFlags(fs, args, "usage: annsvd study transfer [flags]   (−Δu = f_a: train at a-src, transfer to a-dst with U, V frozen)", stderr); err != nil {
		return err
	}
	w, err := problems.ParseInts("widths", *widths)
	if err != nil {
		return usageError{err}
	}
	svd, err := problems.ParseSVDLayers(*layers, annsvd.LayerSpec{}, w)
	if err != nil {
		return usageError{err}
	}
	c.Net = annsvd.Config{Widths: w, Activation: annsvd.ActTanh, SVD: svd}
	if err := c.Validate(); err != nil {
		return usageError{err}
	}
	if err := checkDir("out", *out); err != nil {
		return err
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	rep, err := experiments.Transfer(b, c)
	if err != nil {
		return err
	}
	rep.Spec = *layers
	rep.Print(stdout)
	return writeOutJSON(stdout, *out, "transfer.json", rep)
}
