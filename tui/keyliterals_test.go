package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// keyLiterals lists the places in one Go file that match a key by its
// spelling instead of through a KeyMap binding (key.Matches): a key
// message's String() compared with or switched on a literal, its Code or
// Mod read, a tea.Key* constant, a key.Binding built, or a key press
// made up from a literal.
func keyLiterals(fset *token.FileSet, f *ast.File) []string {
	var out []string
	at := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	isStringCall := func(e ast.Expr) bool {
		c, ok := e.(*ast.CallExpr)
		if !ok || len(c.Args) != 0 {
			return false
		}
		s, ok := c.Fun.(*ast.SelectorExpr)
		return ok && s.Sel.Name == "String"
	}
	isLit := func(e ast.Expr) bool {
		b, ok := e.(*ast.BasicLit)
		return ok && (b.Kind == token.STRING || b.Kind == token.CHAR)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) &&
				(isStringCall(n.X) && isLit(n.Y) || isStringCall(n.Y) && isLit(n.X)) {
				at(n, "String() compared with a literal")
			}
		case *ast.SwitchStmt:
			if n.Tag != nil && isStringCall(n.Tag) {
				at(n, "switch on String()")
			}
		case *ast.SelectorExpr:
			id, _ := n.X.(*ast.Ident)
			switch {
			case n.Sel.Name == "Code" || n.Sel.Name == "Mod":
				at(n, "a key's ."+n.Sel.Name+" read")
			case id != nil && id.Name == "tea" && strings.HasPrefix(n.Sel.Name, "Key") && n.Sel.Name != "KeyPressMsg" && n.Sel.Name != "KeyMsg":
				at(n, "tea."+n.Sel.Name)
			case id != nil && id.Name == "key" && (n.Sel.Name == "NewBinding" || n.Sel.Name == "WithKeys"):
				at(n, "key."+n.Sel.Name+" outside the KeyMap")
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "keyPress" && len(n.Args) == 1 && isLit(n.Args[0]) {
				at(n, "keyPress of a literal")
			}
		}
		return true
	})
	return out
}

// TestNoKeyLiterals: every key the workbench answers to is matched through
// a binding of the one KeyMap (key.Matches), so `?`, the status bar's hint
// and a user's config (config.go) always say what the keys do. keys.go
// builds the KeyMap and config.go rebinds it; no other file spells a key.
func TestNoKeyLiterals(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || slices.Contains([]string{"keys.go", "config.go"}, name) {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, hit := range keyLiterals(fset, f) {
			t.Errorf("%s: match keys through a KeyMap binding (key.Matches)", hit)
		}
	}
}

// TestKeyLiteralsFound: the check above finds each way of spelling a key.
func TestKeyLiteralsFound(t *testing.T) {
	for _, src := range []string{
		`if msg.String() == "q" { quit() }`,
		`if "ctrl+c" != k.String() { go_on() }`,
		`switch msg.String() { case "j": down() }`,
		`if k.Code == 'j' { down() }`,
		`if k.Mod != 0 { mod() }`,
		`if k.Code == tea.KeyEnter { open() }`,
		`b := key.NewBinding(key.WithKeys("x"))`,
		`a.key(keyPress("enter"))`,
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", "package tui\nfunc f() {\n"+src+"\n}\n", 0)
		if err != nil {
			t.Fatalf("parse %s: %v", strconv.Quote(src), err)
		}
		if len(keyLiterals(fset, f)) == 0 {
			t.Errorf("keyLiterals(%s) found nothing", src)
		}
	}
	// Matching through the KeyMap is not a hit.
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, "x.go", "package tui\nfunc f() {\nif key.Matches(k, km.Quit) { quit() }\nif c.State == \"running\" { run() }\n}\n", 0)
	if hits := keyLiterals(fset, f); len(hits) != 0 {
		t.Errorf("keyLiterals(key.Matches) = %v", hits)
	}
}
