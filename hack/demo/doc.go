// Command demo is `make demo`: the whole platform on one machine. See
// package internal/demo.
package main
