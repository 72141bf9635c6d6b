/**
 * English vocabulary of the emulated language model, most frequent first.
 *
 * Written by hand from general knowledge of English word frequency (rough
 * order, not a measured corpus). The model turns rank into a count with
 * Zipf's law, which is how real frequency lists behave, so only the order has
 * to be roughly right. Punctuation is ranked alongside words because a
 * tokenizer sees it as often as the commonest words.
 */
const RANKED_WORDS = `
, . the and to of a i you it in is that ? for
was on with this have be but not are my ! we at they
as so do what he me can just your all if or from there
like about will know one by no an get would out up 's
her she his him them their our us 't 'm don how
when which who were been has had did does going go think
here now then more some time well very really good yes
want see make could people because also thank thanks way
day back other any new these those than first much even
only over after into two should need right still work
say said 're 'll 've 'd something too hello hi please use
where why take come look find give tell ask try help
year years last long great little own same old big
many most never always every each both few again ever
through down off before between while during without under
around another such may might must shall being having
today tomorrow yesterday morning evening night week month
home life world house family friend friends school job
thing things place part number point hand name way
: - ( ) " ; ' / & % $ #
lot better best bad love nice sure okay ok maybe
fine happy hope glad sorry welcome yeah oh hey great
am isn didn doesn won wasn aren couldn wouldn shouldn let
mother father mom dad sister brother son daughter wife
husband kids child children baby parents man woman men women
boy girl guy person team company business money car city
country state water food coffee tea dinner lunch breakfast
book books story question answer idea problem reason fact
information data system program computer phone email message
music movie game games play playing played watch watching
read reading write writing wrote written talk talking
feel feeling felt keep kept start started stop stopped
live lives lived living works worked working worker
call called calling open opened close closed move moved
meet met show showed shown turn turned leave left
bring brought buy bought pay paid learn learned learning
understand understood remember remembered forget forgot
believe believed happen happened seem seemed wait waited
change changed follow followed run ran running walk walked
sit sat stand stood lose lost win won send sent build built
hear heard speak spoke spent spend grow grew grown
cook cooked clean cleaned visit visited travel traveled
study studied teach taught plan planned decide decided
enjoy enjoyed miss missed hate hated prefer preferred
used using uses made makes making got gets getting
went goes gone came comes coming took takes taking
gave gives giving told tells telling asked asks asking
thought thinks knew knows known saw sees seen looking
looked looks found finds wanted wants needs needed
tried tries helped helps helping likes liked loved loves
important different small large high low young early
late real true false full easy hard free sure certain
possible able whole special public private local human
social simple clear open short long next last recent
strong quick fast slow hot cold warm cool beautiful
interesting busy tired hungry ready available perfect
wonderful amazing awesome terrible awful funny favorite
main major other own main single final similar common
dear kind nice lovely quiet loud safe serious
office room kitchen table door window street road town
area center park garden store shop market restaurant
hospital doctor nurse teacher student engineer lawyer
manager driver writer artist designer developer scientist
hour hours minute minutes second seconds moment times
days weeks months weekend holiday vacation trip birthday
party wedding meeting class course lesson test exam
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august
september october november december spring summer autumn
fall winter weather rain snow sun sunny cloudy wind
one two three four five six seven eight nine ten
twenty thirty hundred thousand million half dozen
first second third once twice
dog cat dogs cats pet animal bird fish horse
tree trees flower flowers sea river lake mountain beach
air fire earth sky ground land island forest
body head face eyes eye hair heart mind health sick
pain medicine exercise sleep rest bed dream
word words language english german french spanish
letter letters page paper note notes list
price cost market bank account card bill rent
art history science math physics chemistry biology
news article report research project study studies
law government president police war peace power
church god religion culture society community
group member members club sport sports football soccer
guitar piano song songs band concert dance dancing
picture photo photos video camera film show shows
internet website online app software hardware code
server network database file files document documents
memory memories library search result results
question questions answers help support service
order orders delivery package box bag gift
shirt shoes dress clothes jacket hat
bread cheese milk egg eggs meat chicken rice pasta
pizza soup salad fruit apple apples banana orange
sugar salt chocolate cake wine beer juice
morning afternoon noon midnight tonight
usually often sometimes rarely already soon later
almost enough quite rather pretty probably actually
especially finally exactly simply together away
else instead perhaps anyway though although unless
since until because whether however therefore
above below near far inside outside behind across
against along among toward towards upon within
anything everything nothing someone anyone everyone
nobody somebody everybody somewhere anywhere everywhere
myself yourself himself herself itself ourselves themselves
its whose whom whatever whenever wherever
mr mrs ms dr
north south east west
red blue green yellow black white brown gray pink purple
age size color shape kind type sort level rate
side top bottom front end middle edge corner
line lines step steps rule rules law
plan plans goal goals choice chance risk
bit piece pieces rest top line
road trip train bus plane flight airport station ticket
hotel apartment flat neighbor neighbors neighborhood
village capital university college campus
hospital clinic pharmacy nurse nurses doctors patient patients
care careful caring help
job jobs career salary boss colleague colleagues
america american europe european asia africa
germany france spain italy england britain china japan
india canada mexico brazil russia australia
berlin london paris rome madrid tokyo new york
amsterdam vienna munich hamburg dublin lisbon prague
chicago boston seattle california texas florida
max uncle aunt grandfather grandmother farmer bike tennis married delayed healthy
john david michael james robert mary sarah anna emma
maria peter paul tom alex chris lisa laura kate
google apple microsoft amazon facebook
`;

/** Words in descending frequency order, duplicates removed (first rank wins). */
export const rankedWords: readonly string[] = [
  ...new Set(RANKED_WORDS.split(/\s+/).filter((word) => word.length > 0)),
];

/**
 * Bigrams common in everyday English, added on top of the training corpus so
 * function-word transitions do not depend on which sentences the corpus has.
 */
const COMMON_BIGRAMS = `
of the|in the|to the|on the|for the|at the|with the|from the|by the|and the
it is|it was|this is|that is|there is|there are|i am|i have|i was|i think
you are|you can|do you|are you|can you|will you|would you|thank you|if you
want to|need to|going to|have to|able to|used to|try to|how to|like to
a lot|lot of|one of|some of|all of|out of|kind of|part of|because of|most of
will be|can be|would be|should be|could be|to be|has been|have been
is a|was a|as a|is the|was the|in a|for a|with a|to a|and i
. i|. it|. the|. you|. we|. this|. that|, and|, but|, i|, the|, you
how are|what is|what are|where is|who is|why do|when is|which is
`;

export const commonBigrams: ReadonlyArray<readonly [string, string]> = COMMON_BIGRAMS.split("|")
  .map((pair) => pair.trim().split(" "))
  .filter((words): words is [string, string] => words.length === 2)
  .map(([first, second]) => [first, second] as const);
