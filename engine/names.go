package engine

import (
	"crypto/rand"
	"math/big"
)

// Generated names follow docker's pattern, adjective_surname, with surnames
// of scientists and engineers, so that lessons and screenshots look familiar.
var (
	nameAdjectives = []string{
		"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome",
		"beautiful", "blissful", "bold", "boring", "brave", "busy", "charming", "clever",
		"compassionate", "competent", "condescending", "confident", "cool", "cranky", "crazy",
		"dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic",
		"elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant",
		"focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious",
		"great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring",
		"intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
		"lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice",
		"nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive",
		"practical", "priceless", "quirky", "quizzical", "recursing", "relaxed", "reverent",
		"romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied",
		"suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
		"vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
	}
	nameSurnames = []string{
		"agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata",
		"babbage", "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "bhaskara", "black",
		"blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown",
		"carson", "chandrasekhar", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci",
		"dijkstra", "dubinsky", "easley", "einstein", "elion", "engelbart", "euclid", "euler",
		"fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine",
		"goldwasser", "golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann",
		"hodgkin", "hoover", "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "jepsen",
		"johnson", "joliot", "jones", "kalam", "kapitsa", "keller", "kepler", "khorana", "kilby",
		"kirch", "knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt",
		"lederberg", "lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira",
		"margulis", "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "meitner", "mendel",
		"merkle", "mestorf", "mirzakhani", "montalcini", "moore", "morse", "moser", "murdock",
		"napier", "nash", "neumann", "newton", "nightingale", "nobel", "noether", "northcutt",
		"noyce", "panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare",
		"poitras", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "robinson", "roentgen",
		"rosalind", "rubin", "saha", "sammet", "sanderson", "shannon", "shaw", "shirley",
		"shockley", "sinoussi", "snyder", "solomon", "spence", "stonebraker", "sutherland",
		"swanson", "swartz", "swirles", "taussig", "tesla", "tharp", "thompson", "torvalds", "tu",
		"turing", "varahamihira", "vaughan", "villani", "visvesvaraya", "volhard", "wescoff",
		"wilbur", "wiles", "williams", "williamson", "wilson", "wing", "wozniak", "wright", "wu",
		"yalow", "yonath", "zhukovsky",
	}
)

func pick(list []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
	if err != nil {
		panic(err)
	}
	return list[n.Int64()]
}

// generateName returns a docker-style name no container in taken uses.
func generateName(taken func(string) bool) string {
	for i := 0; ; i++ {
		name := pick(nameAdjectives) + "_" + pick(nameSurnames)
		if i > 10 { // as docker does when the space gets crowded
			n, _ := rand.Int(rand.Reader, big.NewInt(10))
			name += n.String()
		}
		if !taken(name) {
			return name
		}
	}
}
