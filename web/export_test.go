package web

// ServeForTest is serve (web_test.go), for the tests of package web_test.
var ServeForTest = serve
