package main

// The agent images ship no CA store. Mozilla's roots, embedded, are Go's
// fallback when the system has none, so `agent fetch` verifies https
// dependencies in any image.
import _ "golang.org/x/crypto/x509roots/fallback"
