//go:build !purego

package mont

import "golang.org/x/sys/cpu"

// supportADX is read by mul_amd64.s (staticcheck does not see uses from
// assembly).
//
//lint:ignore U1000 read by mul_amd64.s
var supportADX = cpu.X86.HasADX && cpu.X86.HasBMI2
