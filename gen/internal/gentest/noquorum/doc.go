// Package noquorum runs the generated code of a service without quorum methods, whose
// QuorumSpec is empty, against real servers on loopback (see package gentest).
package noquorum
