// Package doccheck holds the tests that keep the repository's Markdown
// true to the repository: every relative link and anchor of README.md,
// docs/ and the other READMEs resolves, the tests and files the pages name
// exist, the README stays a short guide, and its quickstart names every
// module of the repository. It has no code: see its tests.
//
// The README's three steps are run, as a user would run them, by
// cmd/sessiongen's TestReadmeThreeSteps, beside the command they run.
package doccheck
