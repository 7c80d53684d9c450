"""Word lists the abuse check matches against, kept apart so they can be read and reviewed.

Every entry is normalised (lower case, no accents). Categories:
- PROFANITY: swearing; by default allowed unless aimed at a person.
- INSULT_NOUNS / INSULT_ADJECTIVES: names that insult whoever they are applied to; "strong" ones
  count even when the target is implied (a bare "moron."), "weak" ones only with a person named.
- SLURS: words that attack people for who they are; "hard" ones are never acceptable.
- PERSON_* / THING_*: anchors that tell who or what a sentence is about.
"""
from __future__ import annotations

PROFANITY = frozenset("""
fuck fucks fucking fucked fuckin fck fcking fkn fking fuk fuking fukin fuq phuck effing
shittier shittiest frigging friggin frickin fricking freaking shit shits shitty shite bullshit
crap crappy
damn damned dammit goddamn goddamned goddam hell bloody piss pissed pissing arse bugger
bollocks wtf omfg sht shyt feck sod ass
""".split())

INSULT_NOUNS_STRONG = frozenset("""
idiot idiots moron morons imbecile imbeciles cretin cretins dumbass dumbasses asshole assholes
arsehole arseholes bastard bastards bitch bitches biatch btch dickhead dickheads prick pricks
cunt cunts twat twats wanker wankers tosser tossers douche douchebag douchebags jerk jerks
scumbag scumbags halfwit halfwits nitwit nitwits dimwit dimwits dipshit dipshits shithead
shitheads numbnuts whore whores slut sluts hoes skank skanks loser losers motherfucker
motherfuckers mofo fucker fuckers lowlife lowlifes scum subhuman pussy pussies dick dicks slag
slags ahole aholes retard retards bellend bellends knobhead knobheads muppet muppets numpty
numpties dumbfuck dumbfucks gobshite pillock pillocks plonker
""".split())

INSULT_NOUNS_WEAK = frozenset("""
pig pigs rat rats clown clowns fool fools monkey monkeys animal animals snake
snakes dog dogs cow cows donkey donkeys ape apes vermin parasite parasites troll trolls
coward cowards freak freaks weirdo weirdos creep creeps hoe hillbilly
hillbillies redneck rednecks liar liars fraud frauds worm worms maggot maggots leech leeches
sheep rodent rodents cockroach cockroaches degenerate degenerates brat brats bore bores
tattletale tattletales weasel weasels buffoon buffoons oaf oafs dunce dunces simpleton
""".split())

INSULT_ADJECTIVES_STRONG = frozenset("""
stupid stupidest dumb dumbest idiotic moronic brainless braindead imbecilic retarded
""".split())

INSULT_ADJECTIVES_WEAK = frozenset("""
worthless ugly fat disgusting ignorant
""".split())

# Phrases matched on the normalised text (word boundaries added by the matcher).
INSULT_PHRASES = (
    "piece of shit", "piece of crap", "piece of garbage", "piece of trash", "waste of space",
    "waste of oxygen", "waste of air", "son of a bitch", "low life", "brain dead",
    "sack of shit", "bag of shit", "excuse for a human", "human garbage", "human trash",
    "human waste", "waste of skin", "iq of a", "thick as shit", "dumb fuck", "know it all",
    "shut the fuck up", "eat shit", "not even a person", "subhuman trash",
)

# Groups of people protected from hate (identity words a hateful generalisation names).
IDENTITY_GROUPS = frozenset("""
immigrants immigrant migrants migrant refugees refugee foreigners muslims muslim islam jews jew
jewish christians hindus sikhs gays gay lesbians lesbian homosexuals bisexuals trans transgender
women woman females girls blacks black africans asians asian indians indian pakistanis chinese
mexicans latinos hispanics arabs arab poles polish romanians gypsies roma disabled cripples
travellers travelers nigerians somalis afghans syrians iraqis iranians turks kurds albanians
bulgarians ukrainians russians europeans americans brits irish scots germans italians greeks
koreans filipinos vietnamese australians canadians jamaicans haitians brazilians natives
aboriginals whites browns buddhists atheists catholics lgbt lgbtq queers homos autists
pensioners boomers feminists negro negroes negros illegals
""".split())
# Adjectives and singular words that name a group but also describe things ("the English
# manual", "the white model"): they tell the hate classifier a group is named, and are not
# read as the subject of a generalisation.
GROUP_ADJECTIVES = frozenset("""
gypsy british english scottish welsh french spanish portuguese turkish japanese german italian
russian ukrainian nigerian somali afghan syrian iranian irish white brown hindu sikh queer
deaf blind autistic elderly indigenous immigrant foreign
""".split())
# Where a complaint goes when a member threatens to take it further: a regulator, a court,
# the press. "If you won't listen, the regulator will" is criticism, not a threat of harm.
ESCALATION = frozenset("""
regulator regulators ombudsman ombudsmen lawyer lawyers solicitor solicitors attorney
attorneys court courts sue suing sued lawsuit litigation legal ofcom ofgem fca fcc ftc bbb
cfpb ico accc watchdog press journalist journalists media reporter reporters newspaper
chargeback trustpilot reviews review complaint complaints tribunal mp congressman senator
""".split())
DEHUMANISING = frozenset("""
vermin parasites parasite animals animal plague subhuman subhumans degenerates degenerate freaks
rats cockroaches filth scum disgusting worthless inferior livestock monkeys apes peasants savages
insects pests leeches dogs pigs trash garbage diseased criminals rapists terrorists sick beggars
spongers scroungers freeloaders invaders thieves creatures
""".split())

SLURS_HARD = frozenset("""
nigger niggers nigga niggas niggaz nigguh niggah niggahs nicca niccas niglet niglets
faggot faggots fag fags fagget faggit faggits kike kikes spic spics chink chinks wetback
wetbacks beaner beaners raghead ragheads towelhead towelheads wigger wiggers
whigger muzzie muzzies zipperhead zipperheads jigaboo jigaboos jiggaboo darkie darkies dyke
dykes nigglet nigglets halfbreed halfbreeds half-breed half-breeds muds mudrace mudraces
negroid negroids japs zog
""".split())

SLURS_SOFT = frozenset("""
retard retards retarded tranny trannies coon coons paki pakis whitey gook gooks queer queers
""".split())

SLUR_PHRASES = (
    "sand nigger", "porch monkey", "jungle bunny", "spear chucker", "camel jockey",
    "towel head", "rag head", "border hopper", "white trash", "sand niggers", "porch monkeys",
    "spear chuckers", "camel jockeys", "towel heads", "rag heads", "border hoppers",
    "ghetto trash", "trailer trash", "jigga boo", "sub human", "mud people", "mud babies",
    "mud races", "race traitor", "race traitors", "race mixing",
)

# Who a sentence can be about.
PERSON_SECOND = frozenset("you yourself yourselves ye thou yall".split())
PERSON_THIRD = frozenset("he she him her himself herself".split())
PERSON_NOUNS = frozenset("""
person people guy guys man men woman women girl girls boy boys dude dudes lady ladies kid kids
member members user users poster posters op agent agents rep reps representative
representatives staff staffer employee employees moderator moderators mod mods admin admins
technician technicians engineer engineers manager managers supervisor supervisors ceo boss
mum mom mother mama momma mommy dad father wife husband sister brother family son daughter
friend boyfriend girlfriend bf gf folks whoever someone somebody operator cashier driver
courier advisor adviser consultant salesman saleswoman salesperson clerk @user who human
humans
""".split())
SELF = frozenset("i me myself we us ourselves".split())

THING_NOUNS = frozenset("""
company companies business brand firm corporation corp outfit product products router routers
modem modems device devices phone phones handset tablet laptop app apps application update
updates upgrade firmware software hardware service services support helpdesk helpline billing
bill bills invoice invoices charge charges fee fees price prices pricing plan plans tariff
contract network coverage signal internet broadband wifi connection speed speeds website site
page portal policy policies process system warranty refund delivery shipping order package
chat chatbot bot queue menu design interface ui ux battery charger cable box tv remote
subscription offer deal promotion terms experience excuse response answer reply manual
instructions store shop branch outage sim data department team call wait music line
question idea decision rule rules thing stuff mess setup installation feature features
version release screen camera keyboard product's customer-service email emails letter
ad ads advert adverts advertising marketing money account billing-department bill
customer-care care
bank banks provider providers isp carrier carriers airline airlines insurer insurers insurance
supplier suppliers utility retailer retailers platform platforms game games console server
servers dashboard subscriptions courier couriers shop's bank's app's program
programme firmware's telco operator's
""".split())
THING_PRONOUNS = frozenset("it this that these those".split())

# Words that may sit between an anchor and the insult without changing who is insulted.
FILLERS = frozenset("""
bit can could may might must will would sometimes occasionally
a an the your my our their such so really very just total totally complete completely absolute
all absolutely utter utterly pure real proper right most biggest one another like as of some kind
sort bunch pack full big huge massive little clearly obviously definitely literally basically
actually honestly seriously still always now again also too even ever being been be is are
am was were seem seems seemed look looks looked sound sounds sounded act acts acting behave
behaving become became becoming not truly damn bloody fucking freaking effing frigging
absolute no-good goddamn
""".split())

# Praise or welcome said of a group ("<group> are wonderful", "<group> deserve respect", "we
# welcome <group>"): in a post with no hostile word at all, a group praised is not hate. The
# learned heads cannot see it: the public hate sets say "<group> are ..." mostly in hate.
PRAISE = frozenset("""
amazing awesome great good lovely wonderful brilliant kind kindest kinder nice nicest friendly
welcoming welcome welcomed valid beautiful strong stronger smart clever brave talented
hardworking generous proud honest helpful loyal caring fantastic incredible inspiring
inspirational important valued valuable equal human humans fine normal respected admirable
gifted funny warm decent wise resilient best heroes treasure blessing asset assets lucky
""".split())
PRAISING_VERBS = frozenset("""
love loved adore admire admired respect respected support supported welcome welcomed celebrate
appreciate value thank proud
""".split())
DESERVED = frozenset("respect rights dignity equality kindness better love support".split())
# Words of violence: a post with one is never read as praise, whatever else it says.
VIOLENCE = frozenset("""
kill killed killing die dead death shoot shot burn burned hang hanged murder bomb bombed gas
gassed hurt punch beat beaten stab stabbed destroy exterminate wipe eradicate lynch rape raped
raping suffer strangle choke slit throat throats torture behead drown execute
""".split())

# Sexual words: said to a person ("send pics", "wanna lick it"), harassment under R1.
SEXUAL = frozenset("""
sex sexy blowjob blowjobs porn porno nude nudes cum cumming penis pussy tits boobs wank
wanking wanked horny orgasm panties thong kinky
""".split())

# Negative words that make a sentence criticism when aimed at the brand.
NEGATIVE = frozenset("""
worst terrible awful horrible useless joke scam scams scammers ripoff rip-off garbage trash
crap crappy shit shitty rubbish disgrace disgraceful disgusting incompetent ridiculous
unacceptable shambles nightmare fraud thieves theft robbery liars lies pathetic broken junk
sucks suck sucked hate hated unusable overpriced greedy clowns laughable insulting shameful
appalling atrocious dreadful poor abysmal lousy bad hopeless scandal lie lied lying farce
furious ashamed waste screw scammed cheated ripped disappointed disappointing angry livid
sick tired fed mess messy shambolic shocking unreliable misleading shoddy sloppy amateurish
embarrassing incomprehensible extortion dire woeful diabolical chaotic rude rudely
""".split()) | PROFANITY
