//go:build purego || !(amd64 || arm64)

package mont

import "unsafe"

func addMulVVW1024(z, x *uint, y uint) (c uint) {
	return addMulVVWGeneric(unsafe.Slice(z, 1024/wordBits), unsafe.Slice(x, 1024/wordBits), y)
}

func addMulVVW1536(z, x *uint, y uint) (c uint) {
	return addMulVVWGeneric(unsafe.Slice(z, 1536/wordBits), unsafe.Slice(x, 1536/wordBits), y)
}

func addMulVVW2048(z, x *uint, y uint) (c uint) {
	return addMulVVWGeneric(unsafe.Slice(z, 2048/wordBits), unsafe.Slice(x, 2048/wordBits), y)
}
