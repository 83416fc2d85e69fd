//! The fact table. Every row is a well-established, stable fact, stated so that it stays true:
//! e.g. the Sahara is the largest *hot* desert (Antarctica is the largest desert), the Caspian
//! Sea the largest lake, Lake Superior the largest freshwater lake by area, the Andes the longest
//! range on land. Rows whose truth depends on a definition that sources dispute are left out:
//! the world's longest river (Nile or Amazon), the longest river of the United States, Germany,
//! Spain, Russia, India or Australia (within the country or overall, one river or a system), the highest mountain of France,
//! Italy or Europe (a disputed border, or where Europe ends), of India (a disputed region) or of
//! Australia (the mainland or an external territory), the largest city of Japan, China, India,
//! Australia or the Philippines (city proper or metropolis), capitals that a country does not
//! name in law or is moving (Switzerland, Indonesia), the capital of Taiwan, and inventions whose
//! inventor sources dispute (the light bulb, the radio, the aeroplane). India is the most
//! populous country on the UN's estimates since 2023.
//!
//! A fact is either a superlative ("the highest mountain in Japan": a `Kind` with a `phrase`, a
//! place for its `Scope`) or a relation ("the capital of Japan", "the author of Hamlet": its
//! subject in `scope`). How each kind is stated and asked is in `forms`.

/// What a fact is about: a superlative or a relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    HighestMountain,
    LongestRiver,
    LargestFlowRiver,
    LargestBasinRiver,
    LargestLake,
    LargestFreshwaterLake,
    LargestNaturalLake,
    DeepestLake,
    DeepestTrench,
    LargestOcean,
    SmallestOcean,
    DeepestOcean,
    LargestBay,
    LargestPeninsula,
    LargestDesert,
    LargestHotDesert,
    LargestIsland,
    LargestContinent,
    MostPopulousContinent,
    ColdestContinent,
    DriestContinent,
    LargestCountry,
    SmallestCountry,
    MostPopulousCountry,
    MostPopulousCity,
    LargestCounty,
    TallestBuilding,
    HighestWaterfall,
    LongestMountainRange,
    LargestRainforest,
    LargestCoralReef,
    LongestRoadTunnel,
    LargestPlanet,
    SmallestPlanet,
    HottestPlanet,
    LargestMoon,
    LargestOrgan,
    LongestBone,
    SmallestBone,
    LargestAnimal,
    LargestLandAnimal,
    TallestAnimal,
    FastestLandAnimal,
    LargestBird,
    /// The capital of a country.
    Capital,
    /// The currency a country uses.
    Currency,
    /// The language most people of a country speak.
    Language,
    /// The continent a country lies in.
    Continent,
    /// Who invented a thing.
    Inventor,
    /// Who discovered a thing.
    Discoverer,
    /// Who formulated a theory or law.
    Theorist,
    /// Who wrote a book.
    Author,
    /// The city a landmark is in.
    Landmark,
}

impl Kind {
    /// The superlative phrase: 最高的山 / highest mountain. `None` for relations (capitals, …).
    pub fn phrase(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            HighestMountain => ("最高的山", "highest mountain"),
            LongestRiver => ("最長的河", "longest river"),
            LargestFlowRiver => ("流量最大的河", "river with the largest flow"),
            LargestBasinRiver => ("流域面積最大的河", "river with the largest drainage basin"),
            LargestLake => ("最大的湖", "largest lake"),
            LargestFreshwaterLake => ("面積最大的淡水湖", "largest freshwater lake by area"),
            LargestNaturalLake => ("最大的天然湖", "largest natural lake"),
            DeepestLake => ("最深的湖", "deepest lake"),
            DeepestTrench => ("最深的海溝", "deepest ocean trench"),
            LargestOcean => ("最大的海洋", "largest ocean"),
            SmallestOcean => ("最小的海洋", "smallest ocean"),
            DeepestOcean => ("最深的海洋", "deepest ocean"),
            LargestBay => ("最大的海灣", "largest bay"),
            LargestPeninsula => ("最大的半島", "largest peninsula"),
            LargestDesert => ("最大的沙漠", "largest desert"),
            LargestHotDesert => ("最大的熱沙漠", "largest hot desert"),
            LargestIsland => ("最大的島", "largest island"),
            LargestContinent => ("最大的洲", "largest continent"),
            MostPopulousContinent => ("人口最多的洲", "most populous continent"),
            ColdestContinent => ("最冷的洲", "coldest continent"),
            DriestContinent => ("最乾燥的洲", "driest continent"),
            LargestCountry => ("面積最大的國家", "largest country by area"),
            SmallestCountry => ("最小的國家", "smallest country"),
            MostPopulousCountry => ("人口最多的國家", "most populous country"),
            MostPopulousCity => ("人口最多的城市", "most populous city"),
            LargestCounty => ("面積最大的縣", "largest county by area"),
            TallestBuilding => ("最高的建築", "tallest building"),
            HighestWaterfall => ("最高的瀑布", "highest waterfall"),
            LongestMountainRange => ("陸地上最長的山脈", "longest mountain range on land"),
            LargestRainforest => ("最大的雨林", "largest rainforest"),
            LargestCoralReef => ("最大的珊瑚礁", "largest coral reef"),
            LongestRoadTunnel => ("最長的公路隧道", "longest road tunnel"),
            LargestPlanet => ("最大的行星", "largest planet"),
            SmallestPlanet => ("最小的行星", "smallest planet"),
            HottestPlanet => ("最熱的行星", "hottest planet"),
            LargestMoon => ("最大的衛星", "largest moon"),
            LargestOrgan => ("最大的器官", "largest organ"),
            LongestBone => ("最長的骨頭", "longest bone"),
            SmallestBone => ("最小的骨頭", "smallest bone"),
            LargestAnimal => ("最大的動物", "largest animal"),
            LargestLandAnimal => ("陸地上最大的動物", "largest land animal"),
            TallestAnimal => ("最高的動物", "tallest animal"),
            FastestLandAnimal => ("陸地上跑得最快的動物", "fastest land animal"),
            LargestBird => ("最大的鳥", "largest bird"),
            Capital | Currency | Language | Continent | Inventor | Discoverer | Theorist | Author | Landmark => {
                return None;
            }
        })
    }

    /// The measure word a question uses: 哪「座」山, 哪「條」河 (relations: 個).
    pub fn measure_word(self) -> &'static str {
        match self {
            HighestMountain | LargestIsland | TallestBuilding | HighestWaterfall => "座",
            LongestRiver | LargestFlowRiver | LargestBasinRiver | LongestMountainRange | LongestRoadTunnel => "條",
            DeepestTrench => "條",
            LargestDesert | LargestHotDesert | LargestRainforest | LargestCoralReef => "片",
            LargestCountry | SmallestCountry | MostPopulousCountry | MostPopulousCity | LargestCounty => "個",
            LargestLake | LargestFreshwaterLake | LargestNaturalLake | DeepestLake => "個",
            LargestOcean | SmallestOcean | DeepestOcean | LargestBay | LargestPeninsula => "個",
            LargestContinent | MostPopulousContinent | ColdestContinent | DriestContinent => "個",
            LargestPlanet | SmallestPlanet | HottestPlanet | LargestMoon => "顆",
            LargestOrgan => "個",
            LongestBone | SmallestBone => "塊",
            LargestAnimal | LargestLandAnimal | TallestAnimal | FastestLandAnimal | LargestBird => "種",
            Capital | Currency | Language | Continent | Inventor | Discoverer | Theorist | Author | Landmark => "個",
        }
    }

    pub fn is_superlative(self) -> bool {
        self.phrase().is_some()
    }
}

/// What a fact holds of, named in each language: for a superlative a place (a country, a
/// continent, the world, the Solar System), for a relation its subject (a country, a book, an
/// invention, a landmark).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub zh: &'static str,
    pub en: &'static str,
}

const fn place(zh: &'static str, en: &'static str) -> Scope {
    Scope { zh, en }
}

pub const WORLD: Scope = place("世界", "the world");
pub const TAIWAN: Scope = place("臺灣", "Taiwan");
/// Not countries or continents: the tasks' phrases leave these out.
pub const SOLAR_SYSTEM: Scope = place("太陽系", "the Solar System");
pub const HUMAN_BODY: Scope = place("人體", "the human body");
pub const MEDITERRANEAN: Scope = place("地中海", "the Mediterranean");
// Continents
const ASIA: Scope = place("亞洲", "Asia");
const EUROPE: Scope = place("歐洲", "Europe");
const AFRICA: Scope = place("非洲", "Africa");
const NORTH_AMERICA: Scope = place("北美洲", "North America");
const SOUTH_AMERICA: Scope = place("南美洲", "South America");
const OCEANIA: Scope = place("大洋洲", "Oceania");
const ANTARCTICA: Scope = place("南極洲", "Antarctica");
/// The continents, as the table names them.
pub const CONTINENTS: [Scope; 7] = [ASIA, EUROPE, AFRICA, NORTH_AMERICA, SOUTH_AMERICA, OCEANIA, ANTARCTICA];
// Countries
const JAPAN: Scope = place("日本", "Japan");
const CHINA: Scope = place("中國", "China");
const KOREA: Scope = place("韓國", "South Korea");
const NORTH_KOREA: Scope = place("北韓", "North Korea");
const USA: Scope = place("美國", "the United States");
const UK: Scope = place("英國", "the United Kingdom");
const FRANCE: Scope = place("法國", "France");
const GERMANY: Scope = place("德國", "Germany");
const ITALY: Scope = place("義大利", "Italy");
const SPAIN: Scope = place("西班牙", "Spain");
const PORTUGAL: Scope = place("葡萄牙", "Portugal");
const NETHERLANDS: Scope = place("荷蘭", "the Netherlands");
const BELGIUM: Scope = place("比利時", "Belgium");
const IRELAND: Scope = place("愛爾蘭", "Ireland");
const SWITZERLAND: Scope = place("瑞士", "Switzerland");
const AUSTRIA: Scope = place("奧地利", "Austria");
const GREECE: Scope = place("希臘", "Greece");
const SWEDEN: Scope = place("瑞典", "Sweden");
const NORWAY: Scope = place("挪威", "Norway");
const DENMARK: Scope = place("丹麥", "Denmark");
const FINLAND: Scope = place("芬蘭", "Finland");
const ICELAND: Scope = place("冰島", "Iceland");
const POLAND: Scope = place("波蘭", "Poland");
const CZECHIA: Scope = place("捷克", "the Czech Republic");
const HUNGARY: Scope = place("匈牙利", "Hungary");
const ROMANIA: Scope = place("羅馬尼亞", "Romania");
const BULGARIA: Scope = place("保加利亞", "Bulgaria");
const SERBIA: Scope = place("塞爾維亞", "Serbia");
const CROATIA: Scope = place("克羅埃西亞", "Croatia");
const UKRAINE: Scope = place("烏克蘭", "Ukraine");
const RUSSIA: Scope = place("俄羅斯", "Russia");
const TURKEY: Scope = place("土耳其", "Turkey");
const INDIA: Scope = place("印度", "India");
const NEPAL: Scope = place("尼泊爾", "Nepal");
const PAKISTAN: Scope = place("巴基斯坦", "Pakistan");
const BANGLADESH: Scope = place("孟加拉", "Bangladesh");
const MONGOLIA: Scope = place("蒙古", "Mongolia");
const THAILAND: Scope = place("泰國", "Thailand");
const VIETNAM: Scope = place("越南", "Vietnam");
const CAMBODIA: Scope = place("柬埔寨", "Cambodia");
const LAOS: Scope = place("寮國", "Laos");
const MYANMAR: Scope = place("緬甸", "Myanmar");
const MALAYSIA: Scope = place("馬來西亞", "Malaysia");
const INDONESIA: Scope = place("印尼", "Indonesia");
const PHILIPPINES: Scope = place("菲律賓", "the Philippines");
const IRAN: Scope = place("伊朗", "Iran");
const IRAQ: Scope = place("伊拉克", "Iraq");
const SAUDI_ARABIA: Scope = place("沙烏地阿拉伯", "Saudi Arabia");
const UAE: Scope = place("阿拉伯聯合大公國", "the United Arab Emirates");
const SYRIA: Scope = place("敘利亞", "Syria");
const JORDAN: Scope = place("約旦", "Jordan");
const AFGHANISTAN: Scope = place("阿富汗", "Afghanistan");
const EGYPT: Scope = place("埃及", "Egypt");
const KENYA: Scope = place("肯亞", "Kenya");
const TANZANIA: Scope = place("坦尚尼亞", "Tanzania");
const NIGERIA: Scope = place("奈及利亞", "Nigeria");
const ETHIOPIA: Scope = place("衣索比亞", "Ethiopia");
const GHANA: Scope = place("迦納", "Ghana");
const MOROCCO: Scope = place("摩洛哥", "Morocco");
const ALGERIA: Scope = place("阿爾及利亞", "Algeria");
const CANADA: Scope = place("加拿大", "Canada");
const MEXICO: Scope = place("墨西哥", "Mexico");
const CUBA: Scope = place("古巴", "Cuba");
const BRAZIL: Scope = place("巴西", "Brazil");
const ARGENTINA: Scope = place("阿根廷", "Argentina");
const CHILE: Scope = place("智利", "Chile");
const PERU: Scope = place("秘魯", "Peru");
const COLOMBIA: Scope = place("哥倫比亞", "Colombia");
const VENEZUELA: Scope = place("委內瑞拉", "Venezuela");
const AUSTRALIA: Scope = place("澳洲", "Australia");
const NEW_ZEALAND: Scope = place("紐西蘭", "New Zealand");
const FIJI: Scope = place("斐濟", "Fiji");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    pub kind: Kind,
    pub scope: Scope,
    pub answer_zh: &'static str,
    pub answer_en: &'static str,
    /// A figure that goes with the fact (height, length), in each language.
    pub figure: Option<(&'static str, &'static str)>,
}

const fn fact(kind: Kind, scope: Scope, answer_zh: &'static str, answer_en: &'static str) -> Fact {
    Fact { kind, scope, answer_zh, answer_en, figure: None }
}

const fn with_figure(
    kind: Kind,
    scope: Scope,
    answer: (&'static str, &'static str),
    figure: (&'static str, &'static str),
) -> Fact {
    Fact { kind, scope, answer_zh: answer.0, answer_en: answer.1, figure: Some(figure) }
}

const fn capital(country: Scope, zh: &'static str, en: &'static str) -> Fact {
    fact(Capital, country, zh, en)
}

const fn currency(country: Scope, zh: &'static str, en: &'static str) -> Fact {
    fact(Currency, country, zh, en)
}

const fn language(country: Scope, zh: &'static str, en: &'static str) -> Fact {
    fact(Language, country, zh, en)
}

const fn continent(country: Scope, continent: Scope) -> Fact {
    fact(Continent, country, continent.zh, continent.en)
}

/// A relation whose subject is a thing (an invention, a book, a landmark), not a place.
const fn about(kind: Kind, subject: (&'static str, &'static str), zh: &'static str, en: &'static str) -> Fact {
    fact(kind, Scope { zh: subject.0, en: subject.1 }, zh, en)
}

use Kind::*;

pub const FACTS: &[Fact] = &[
    // Taiwan
    with_figure(HighestMountain, TAIWAN, ("玉山", "Yushan (Jade Mountain)"), ("海拔 3952 公尺", "3,952 metres high")),
    with_figure(LongestRiver, TAIWAN, ("濁水溪", "the Zhuoshui River"), ("全長 186 公里", "186 kilometres long")),
    // Dammed since the 1930s (a reservoir is larger), but still the largest natural lake.
    fact(LargestNaturalLake, TAIWAN, "日月潭", "Sun Moon Lake"),
    with_figure(TallestBuilding, TAIWAN, ("臺北101", "Taipei 101"), ("高 508 公尺", "508 metres tall")),
    fact(MostPopulousCity, TAIWAN, "新北市", "New Taipei City"),
    with_figure(
        LongestRoadTunnel,
        TAIWAN,
        ("雪山隧道", "the Hsuehshan Tunnel"),
        ("長約 12.9 公里", "about 12.9 kilometres long"),
    ),
    fact(LargestBasinRiver, TAIWAN, "高屏溪", "the Gaoping River"),
    fact(LargestCounty, TAIWAN, "花蓮縣", "Hualien County"),
    // Japan, China, Korea, the United States, the United Kingdom, Asia
    with_figure(HighestMountain, JAPAN, ("富士山", "Mount Fuji"), ("海拔 3776 公尺", "3,776 metres high")),
    fact(LongestRiver, JAPAN, "信濃川", "the Shinano River"),
    fact(LargestLake, JAPAN, "琵琶湖", "Lake Biwa"),
    fact(LargestIsland, JAPAN, "本州", "Honshu"),
    fact(DeepestLake, JAPAN, "田澤湖", "Lake Tazawa"),
    fact(LongestRiver, CHINA, "長江", "the Yangtze River"),
    fact(LargestFreshwaterLake, CHINA, "鄱陽湖", "Poyang Lake"),
    fact(LargestLake, CHINA, "青海湖", "Qinghai Lake"),
    fact(LargestDesert, CHINA, "塔克拉瑪干沙漠", "the Taklamakan Desert"),
    with_figure(TallestBuilding, CHINA, ("上海中心大廈", "the Shanghai Tower"), ("高 632 公尺", "632 metres tall")),
    with_figure(HighestMountain, KOREA, ("漢拏山", "Hallasan"), ("海拔 1947 公尺", "1,947 metres high")),
    fact(LongestRiver, KOREA, "洛東江", "the Nakdong River"),
    fact(LargestIsland, KOREA, "濟州島", "Jeju Island"),
    fact(MostPopulousCity, KOREA, "首爾", "Seoul"),
    fact(TallestBuilding, KOREA, "樂天世界塔", "the Lotte World Tower"),
    with_figure(HighestMountain, USA, ("迪納利山", "Denali"), ("海拔 6190 公尺", "6,190 metres high")),
    fact(MostPopulousCity, USA, "紐約", "New York City"),
    fact(LargestIsland, USA, "夏威夷島", "the Island of Hawaii"),
    fact(DeepestLake, USA, "火山口湖", "Crater Lake"),
    fact(TallestBuilding, USA, "世界貿易中心一號大樓", "One World Trade Center"),
    fact(LongestRiver, UK, "塞文河", "the River Severn"),
    with_figure(HighestMountain, UK, ("本尼維斯山", "Ben Nevis"), ("海拔 1345 公尺", "1,345 metres high")),
    fact(LargestIsland, UK, "大不列顛島", "Great Britain"),
    fact(LargestLake, UK, "內伊湖", "Lough Neagh"),
    fact(MostPopulousCity, UK, "倫敦", "London"),
    fact(TallestBuilding, UK, "碎片大廈", "the Shard"),
    fact(LongestRiver, ASIA, "長江", "the Yangtze River"),
    with_figure(HighestMountain, ASIA, ("聖母峰", "Mount Everest"), ("海拔 8849 公尺", "8,849 metres high")),
    fact(LargestIsland, ASIA, "婆羅洲", "Borneo"),
    fact(MostPopulousCountry, ASIA, "印度", "India"),
    fact(SmallestCountry, ASIA, "馬爾地夫", "the Maldives"),
    // Other countries of Asia
    fact(HighestMountain, NEPAL, "聖母峰", "Mount Everest"),
    fact(HighestMountain, INDONESIA, "查亞峰", "Puncak Jaya"),
    fact(LargestLake, INDONESIA, "多巴湖", "Lake Toba"),
    fact(MostPopulousCity, INDONESIA, "雅加達", "Jakarta"),
    fact(HighestMountain, PHILIPPINES, "阿波山", "Mount Apo"),
    fact(LargestIsland, PHILIPPINES, "呂宋島", "Luzon"),
    fact(HighestMountain, MALAYSIA, "京那巴魯山", "Mount Kinabalu"),
    fact(HighestMountain, VIETNAM, "番西邦峰", "Fansipan"),
    fact(LargestIsland, VIETNAM, "富國島", "Phu Quoc"),
    fact(MostPopulousCity, VIETNAM, "胡志明市", "Ho Chi Minh City"),
    fact(HighestMountain, THAILAND, "因他儂山", "Doi Inthanon"),
    fact(LargestIsland, THAILAND, "普吉島", "Phuket"),
    fact(MostPopulousCity, THAILAND, "曼谷", "Bangkok"),
    fact(HighestMountain, TURKEY, "亞拉拉特山", "Mount Ararat"),
    fact(MostPopulousCity, TURKEY, "伊斯坦堡", "Istanbul"),
    // Europe
    fact(LongestRiver, EUROPE, "窩瓦河", "the Volga"),
    fact(LargestIsland, EUROPE, "大不列顛島", "Great Britain"),
    fact(SmallestCountry, EUROPE, "梵蒂岡", "Vatican City"),
    fact(LargestIsland, MEDITERRANEAN, "西西里島", "Sicily"),
    fact(LongestRiver, FRANCE, "羅亞爾河", "the Loire"),
    fact(MostPopulousCity, FRANCE, "巴黎", "Paris"),
    with_figure(HighestMountain, GERMANY, ("楚格峰", "the Zugspitze"), ("海拔 2962 公尺", "2,962 metres high")),
    fact(MostPopulousCity, GERMANY, "柏林", "Berlin"),
    fact(LongestRiver, ITALY, "波河", "the Po"),
    fact(LargestLake, ITALY, "加爾達湖", "Lake Garda"),
    fact(LargestIsland, ITALY, "西西里島", "Sicily"),
    fact(MostPopulousCity, ITALY, "羅馬", "Rome"),
    with_figure(HighestMountain, SPAIN, ("泰德峰", "Mount Teide"), ("海拔 3715 公尺", "3,715 metres high")),
    fact(LargestIsland, SPAIN, "馬約卡島", "Majorca"),
    fact(MostPopulousCity, SPAIN, "馬德里", "Madrid"),
    fact(HighestMountain, SWITZERLAND, "杜富爾峰", "the Dufourspitze"),
    fact(MostPopulousCity, SWITZERLAND, "蘇黎世", "Zurich"),
    fact(HighestMountain, AUSTRIA, "大格洛克納山", "the Grossglockner"),
    fact(HighestMountain, GREECE, "奧林帕斯山", "Mount Olympus"),
    fact(LargestIsland, GREECE, "克里特島", "Crete"),
    fact(MostPopulousCity, GREECE, "雅典", "Athens"),
    fact(HighestMountain, RUSSIA, "厄爾布魯士山", "Mount Elbrus"),
    fact(MostPopulousCity, RUSSIA, "莫斯科", "Moscow"),
    fact(MostPopulousCity, NETHERLANDS, "阿姆斯特丹", "Amsterdam"),
    fact(LongestRiver, IRELAND, "夏儂河", "the River Shannon"),
    // Africa
    with_figure(
        HighestMountain,
        AFRICA,
        ("吉力馬札羅山", "Mount Kilimanjaro"),
        ("海拔 5895 公尺", "5,895 metres high"),
    ),
    fact(HighestMountain, TANZANIA, "吉力馬札羅山", "Mount Kilimanjaro"),
    fact(HighestMountain, KENYA, "肯亞山", "Mount Kenya"),
    fact(MostPopulousCity, KENYA, "奈洛比", "Nairobi"),
    fact(LongestRiver, AFRICA, "尼羅河", "the Nile"),
    fact(LongestRiver, EGYPT, "尼羅河", "the Nile"),
    fact(MostPopulousCity, EGYPT, "開羅", "Cairo"),
    fact(LargestLake, AFRICA, "維多利亞湖", "Lake Victoria"),
    fact(DeepestLake, AFRICA, "坦干依喀湖", "Lake Tanganyika"),
    fact(LargestIsland, AFRICA, "馬達加斯加島", "Madagascar"),
    fact(LargestDesert, AFRICA, "撒哈拉沙漠", "the Sahara"),
    fact(LargestCountry, AFRICA, "阿爾及利亞", "Algeria"),
    fact(SmallestCountry, AFRICA, "塞席爾", "Seychelles"),
    fact(MostPopulousCountry, AFRICA, "奈及利亞", "Nigeria"),
    // The Americas
    fact(HighestMountain, NORTH_AMERICA, "迪納利山", "Denali"),
    fact(LargestLake, NORTH_AMERICA, "蘇必略湖", "Lake Superior"),
    fact(LargestCountry, NORTH_AMERICA, "加拿大", "Canada"),
    fact(MostPopulousCountry, NORTH_AMERICA, "美國", "the United States"),
    with_figure(HighestMountain, CANADA, ("洛根山", "Mount Logan"), ("海拔 5959 公尺", "5,959 metres high")),
    fact(LongestRiver, CANADA, "馬更些河", "the Mackenzie River"),
    fact(LargestIsland, CANADA, "巴芬島", "Baffin Island"),
    fact(MostPopulousCity, CANADA, "多倫多", "Toronto"),
    fact(HighestMountain, MEXICO, "奧里薩巴峰", "Pico de Orizaba"),
    fact(MostPopulousCity, MEXICO, "墨西哥城", "Mexico City"),
    with_figure(HighestMountain, SOUTH_AMERICA, ("阿空加瓜山", "Aconcagua"), ("海拔 6961 公尺", "6,961 metres high")),
    fact(HighestMountain, ARGENTINA, "阿空加瓜山", "Aconcagua"),
    fact(MostPopulousCity, ARGENTINA, "布宜諾斯艾利斯", "Buenos Aires"),
    fact(LongestRiver, SOUTH_AMERICA, "亞馬遜河", "the Amazon River"),
    fact(LongestRiver, BRAZIL, "亞馬遜河", "the Amazon River"),
    fact(MostPopulousCity, BRAZIL, "聖保羅", "São Paulo"),
    fact(LargestCountry, SOUTH_AMERICA, "巴西", "Brazil"),
    fact(SmallestCountry, SOUTH_AMERICA, "蘇利南", "Suriname"),
    fact(MostPopulousCountry, SOUTH_AMERICA, "巴西", "Brazil"),
    // Oceania and Antarctica
    fact(LargestCountry, OCEANIA, "澳洲", "Australia"),
    fact(SmallestCountry, OCEANIA, "諾魯", "Nauru"),
    fact(MostPopulousCountry, OCEANIA, "澳洲", "Australia"),
    fact(LargestDesert, AUSTRALIA, "大維多利亞沙漠", "the Great Victoria Desert"),
    with_figure(
        HighestMountain,
        NEW_ZEALAND,
        ("庫克山", "Aoraki / Mount Cook"),
        ("海拔 3724 公尺", "3,724 metres high"),
    ),
    fact(LongestRiver, NEW_ZEALAND, "懷卡托河", "the Waikato River"),
    fact(LargestLake, NEW_ZEALAND, "陶波湖", "Lake Taupo"),
    fact(LargestIsland, NEW_ZEALAND, "南島", "the South Island"),
    fact(MostPopulousCity, NEW_ZEALAND, "奧克蘭", "Auckland"),
    fact(HighestMountain, ANTARCTICA, "文森山", "Mount Vinson"),
    // The world
    with_figure(HighestMountain, WORLD, ("聖母峰", "Mount Everest"), ("海拔 8849 公尺", "8,849 metres high")),
    fact(DeepestTrench, WORLD, "馬里亞納海溝", "the Mariana Trench"),
    fact(LargestOcean, WORLD, "太平洋", "the Pacific Ocean"),
    fact(SmallestOcean, WORLD, "北冰洋", "the Arctic Ocean"),
    fact(DeepestOcean, WORLD, "太平洋", "the Pacific Ocean"),
    fact(LargestBay, WORLD, "孟加拉灣", "the Bay of Bengal"),
    fact(LargestPeninsula, WORLD, "阿拉伯半島", "the Arabian Peninsula"),
    fact(LargestHotDesert, WORLD, "撒哈拉沙漠", "the Sahara"),
    fact(LargestIsland, WORLD, "格陵蘭", "Greenland"),
    fact(LargestLake, WORLD, "裏海", "the Caspian Sea"),
    fact(LargestFreshwaterLake, WORLD, "蘇必略湖", "Lake Superior"),
    fact(DeepestLake, WORLD, "貝加爾湖", "Lake Baikal"),
    fact(LargestFlowRiver, WORLD, "亞馬遜河", "the Amazon River"),
    fact(LargestContinent, WORLD, "亞洲", "Asia"),
    fact(MostPopulousContinent, WORLD, "亞洲", "Asia"),
    fact(ColdestContinent, WORLD, "南極洲", "Antarctica"),
    fact(DriestContinent, WORLD, "南極洲", "Antarctica"),
    fact(LargestCountry, WORLD, "俄羅斯", "Russia"),
    fact(SmallestCountry, WORLD, "梵蒂岡", "Vatican City"),
    fact(MostPopulousCountry, WORLD, "印度", "India"),
    with_figure(TallestBuilding, WORLD, ("哈里發塔", "the Burj Khalifa"), ("高 828 公尺", "828 metres tall")),
    with_figure(HighestWaterfall, WORLD, ("安赫爾瀑布", "Angel Falls"), ("落差 979 公尺", "979 metres high")),
    fact(LongestMountainRange, WORLD, "安地斯山脈", "the Andes"),
    fact(LargestRainforest, WORLD, "亞馬遜雨林", "the Amazon rainforest"),
    fact(LargestCoralReef, WORLD, "大堡礁", "the Great Barrier Reef"),
    fact(LargestAnimal, WORLD, "藍鯨", "the blue whale"),
    fact(LargestLandAnimal, WORLD, "非洲象", "the African elephant"),
    fact(TallestAnimal, WORLD, "長頸鹿", "the giraffe"),
    fact(FastestLandAnimal, WORLD, "獵豹", "the cheetah"),
    fact(LargestBird, WORLD, "鴕鳥", "the ostrich"),
    // The Solar System (since 2006, when Pluto stopped counting as a planet) and the human body
    fact(LargestPlanet, SOLAR_SYSTEM, "木星", "Jupiter"),
    fact(SmallestPlanet, SOLAR_SYSTEM, "水星", "Mercury"),
    fact(HottestPlanet, SOLAR_SYSTEM, "金星", "Venus"),
    fact(LargestMoon, SOLAR_SYSTEM, "木衛三", "Ganymede"),
    fact(LargestOrgan, HUMAN_BODY, "皮膚", "the skin"),
    fact(LongestBone, HUMAN_BODY, "股骨", "the femur"),
    fact(SmallestBone, HUMAN_BODY, "鐙骨", "the stapes"),
    // Capitals
    capital(JAPAN, "東京", "Tokyo"),
    capital(KOREA, "首爾", "Seoul"),
    capital(NORTH_KOREA, "平壤", "Pyongyang"),
    capital(CHINA, "北京", "Beijing"),
    capital(USA, "華盛頓特區", "Washington, D.C."),
    capital(UK, "倫敦", "London"),
    capital(FRANCE, "巴黎", "Paris"),
    capital(GERMANY, "柏林", "Berlin"),
    capital(ITALY, "羅馬", "Rome"),
    capital(SPAIN, "馬德里", "Madrid"),
    capital(PORTUGAL, "里斯本", "Lisbon"),
    // The capital by the constitution; the government sits in The Hague.
    capital(NETHERLANDS, "阿姆斯特丹", "Amsterdam"),
    capital(BELGIUM, "布魯塞爾", "Brussels"),
    capital(IRELAND, "都柏林", "Dublin"),
    capital(AUSTRIA, "維也納", "Vienna"),
    capital(GREECE, "雅典", "Athens"),
    capital(SWEDEN, "斯德哥爾摩", "Stockholm"),
    capital(NORWAY, "奧斯陸", "Oslo"),
    capital(DENMARK, "哥本哈根", "Copenhagen"),
    capital(FINLAND, "赫爾辛基", "Helsinki"),
    capital(ICELAND, "雷克雅維克", "Reykjavík"),
    capital(POLAND, "華沙", "Warsaw"),
    capital(CZECHIA, "布拉格", "Prague"),
    capital(HUNGARY, "布達佩斯", "Budapest"),
    capital(ROMANIA, "布加勒斯特", "Bucharest"),
    capital(BULGARIA, "索菲亞", "Sofia"),
    capital(SERBIA, "貝爾格勒", "Belgrade"),
    capital(CROATIA, "札格瑞布", "Zagreb"),
    capital(UKRAINE, "基輔", "Kyiv"),
    capital(RUSSIA, "莫斯科", "Moscow"),
    capital(TURKEY, "安卡拉", "Ankara"),
    capital(AUSTRALIA, "坎培拉", "Canberra"),
    capital(NEW_ZEALAND, "威靈頓", "Wellington"),
    capital(CANADA, "渥太華", "Ottawa"),
    capital(MEXICO, "墨西哥城", "Mexico City"),
    capital(CUBA, "哈瓦那", "Havana"),
    capital(BRAZIL, "巴西利亞", "Brasília"),
    capital(ARGENTINA, "布宜諾斯艾利斯", "Buenos Aires"),
    capital(CHILE, "聖地牙哥", "Santiago"),
    capital(PERU, "利馬", "Lima"),
    capital(COLOMBIA, "波哥大", "Bogotá"),
    capital(VENEZUELA, "卡拉卡斯", "Caracas"),
    capital(EGYPT, "開羅", "Cairo"),
    capital(KENYA, "奈洛比", "Nairobi"),
    capital(NIGERIA, "阿布加", "Abuja"),
    capital(ETHIOPIA, "阿迪斯阿貝巴", "Addis Ababa"),
    capital(GHANA, "阿克拉", "Accra"),
    capital(MOROCCO, "拉巴特", "Rabat"),
    capital(INDIA, "新德里", "New Delhi"),
    capital(NEPAL, "加德滿都", "Kathmandu"),
    capital(PAKISTAN, "伊斯蘭馬巴德", "Islamabad"),
    capital(BANGLADESH, "達卡", "Dhaka"),
    capital(MONGOLIA, "烏蘭巴托", "Ulaanbaatar"),
    capital(THAILAND, "曼谷", "Bangkok"),
    capital(VIETNAM, "河內", "Hanoi"),
    capital(CAMBODIA, "金邊", "Phnom Penh"),
    capital(LAOS, "永珍", "Vientiane"),
    capital(MYANMAR, "奈比多", "Naypyidaw"),
    capital(MALAYSIA, "吉隆坡", "Kuala Lumpur"),
    capital(PHILIPPINES, "馬尼拉", "Manila"),
    capital(IRAN, "德黑蘭", "Tehran"),
    capital(IRAQ, "巴格達", "Baghdad"),
    capital(SAUDI_ARABIA, "利雅德", "Riyadh"),
    capital(UAE, "阿布達比", "Abu Dhabi"),
    capital(SYRIA, "大馬士革", "Damascus"),
    capital(JORDAN, "安曼", "Amman"),
    capital(AFGHANISTAN, "喀布爾", "Kabul"),
    // Currencies
    currency(TAIWAN, "新臺幣", "the New Taiwan dollar"),
    currency(JAPAN, "日圓", "the Japanese yen"),
    currency(KOREA, "韓元", "the South Korean won"),
    currency(CHINA, "人民幣", "the renminbi"),
    currency(USA, "美元", "the US dollar"),
    currency(UK, "英鎊", "the pound sterling"),
    currency(FRANCE, "歐元", "the euro"),
    currency(GERMANY, "歐元", "the euro"),
    currency(ITALY, "歐元", "the euro"),
    currency(SPAIN, "歐元", "the euro"),
    currency(PORTUGAL, "歐元", "the euro"),
    currency(NETHERLANDS, "歐元", "the euro"),
    currency(BELGIUM, "歐元", "the euro"),
    currency(IRELAND, "歐元", "the euro"),
    currency(AUSTRIA, "歐元", "the euro"),
    currency(GREECE, "歐元", "the euro"),
    currency(FINLAND, "歐元", "the euro"),
    currency(SWITZERLAND, "瑞士法郎", "the Swiss franc"),
    currency(SWEDEN, "瑞典克朗", "the Swedish krona"),
    currency(NORWAY, "挪威克朗", "the Norwegian krone"),
    currency(DENMARK, "丹麥克朗", "the Danish krone"),
    currency(POLAND, "波蘭茲羅提", "the Polish złoty"),
    currency(RUSSIA, "盧布", "the Russian ruble"),
    currency(TURKEY, "土耳其里拉", "the Turkish lira"),
    currency(INDIA, "印度盧比", "the Indian rupee"),
    currency(THAILAND, "泰銖", "the Thai baht"),
    currency(VIETNAM, "越南盾", "the Vietnamese dong"),
    currency(INDONESIA, "印尼盾", "the Indonesian rupiah"),
    currency(MALAYSIA, "令吉", "the Malaysian ringgit"),
    currency(PHILIPPINES, "菲律賓披索", "the Philippine peso"),
    currency(AUSTRALIA, "澳幣", "the Australian dollar"),
    currency(NEW_ZEALAND, "紐幣", "the New Zealand dollar"),
    currency(CANADA, "加幣", "the Canadian dollar"),
    currency(MEXICO, "墨西哥披索", "the Mexican peso"),
    currency(ARGENTINA, "阿根廷披索", "the Argentine peso"),
    currency(BRAZIL, "雷亞爾", "the Brazilian real"),
    currency(EGYPT, "埃及鎊", "the Egyptian pound"),
    currency(KENYA, "肯亞先令", "the Kenyan shilling"),
    // Languages: the language most people speak, for countries where one language clearly is
    // (not Switzerland, Belgium, Canada, India, …)
    language(JAPAN, "日語", "Japanese"),
    language(KOREA, "韓語", "Korean"),
    language(USA, "英語", "English"),
    language(UK, "英語", "English"),
    language(AUSTRALIA, "英語", "English"),
    language(NEW_ZEALAND, "英語", "English"),
    language(FRANCE, "法語", "French"),
    language(GERMANY, "德語", "German"),
    language(AUSTRIA, "德語", "German"),
    language(ITALY, "義大利語", "Italian"),
    language(SPAIN, "西班牙語", "Spanish"),
    language(MEXICO, "西班牙語", "Spanish"),
    language(ARGENTINA, "西班牙語", "Spanish"),
    language(CHILE, "西班牙語", "Spanish"),
    language(COLOMBIA, "西班牙語", "Spanish"),
    language(CUBA, "西班牙語", "Spanish"),
    language(PORTUGAL, "葡萄牙語", "Portuguese"),
    language(BRAZIL, "葡萄牙語", "Portuguese"),
    language(NETHERLANDS, "荷蘭語", "Dutch"),
    language(GREECE, "希臘語", "Greek"),
    language(SWEDEN, "瑞典語", "Swedish"),
    language(NORWAY, "挪威語", "Norwegian"),
    language(DENMARK, "丹麥語", "Danish"),
    language(POLAND, "波蘭語", "Polish"),
    language(CZECHIA, "捷克語", "Czech"),
    language(HUNGARY, "匈牙利語", "Hungarian"),
    language(RUSSIA, "俄語", "Russian"),
    language(TURKEY, "土耳其語", "Turkish"),
    language(THAILAND, "泰語", "Thai"),
    language(VIETNAM, "越南語", "Vietnamese"),
    language(INDONESIA, "印尼語", "Indonesian"),
    language(MONGOLIA, "蒙古語", "Mongolian"),
    language(IRAN, "波斯語", "Persian"),
    language(EGYPT, "阿拉伯語", "Arabic"),
    language(SAUDI_ARABIA, "阿拉伯語", "Arabic"),
    // Continents: countries wholly (or all but for small islands) in one continent; not Russia,
    // Turkey, Egypt or Indonesia
    continent(JAPAN, ASIA),
    continent(KOREA, ASIA),
    continent(CHINA, ASIA),
    continent(INDIA, ASIA),
    continent(NEPAL, ASIA),
    continent(MONGOLIA, ASIA),
    continent(THAILAND, ASIA),
    continent(VIETNAM, ASIA),
    continent(CAMBODIA, ASIA),
    continent(LAOS, ASIA),
    continent(MALAYSIA, ASIA),
    continent(PHILIPPINES, ASIA),
    continent(PAKISTAN, ASIA),
    continent(BANGLADESH, ASIA),
    continent(IRAN, ASIA),
    continent(SAUDI_ARABIA, ASIA),
    continent(FRANCE, EUROPE),
    continent(GERMANY, EUROPE),
    continent(ITALY, EUROPE),
    continent(SPAIN, EUROPE),
    continent(UK, EUROPE),
    continent(IRELAND, EUROPE),
    continent(NETHERLANDS, EUROPE),
    continent(BELGIUM, EUROPE),
    continent(SWITZERLAND, EUROPE),
    continent(AUSTRIA, EUROPE),
    continent(GREECE, EUROPE),
    continent(SWEDEN, EUROPE),
    continent(NORWAY, EUROPE),
    continent(FINLAND, EUROPE),
    continent(POLAND, EUROPE),
    continent(HUNGARY, EUROPE),
    continent(KENYA, AFRICA),
    continent(TANZANIA, AFRICA),
    continent(NIGERIA, AFRICA),
    continent(ETHIOPIA, AFRICA),
    continent(GHANA, AFRICA),
    continent(MOROCCO, AFRICA),
    continent(ALGERIA, AFRICA),
    continent(USA, NORTH_AMERICA),
    continent(CANADA, NORTH_AMERICA),
    continent(MEXICO, NORTH_AMERICA),
    continent(CUBA, NORTH_AMERICA),
    continent(BRAZIL, SOUTH_AMERICA),
    continent(ARGENTINA, SOUTH_AMERICA),
    continent(CHILE, SOUTH_AMERICA),
    continent(PERU, SOUTH_AMERICA),
    continent(COLOMBIA, SOUTH_AMERICA),
    continent(VENEZUELA, SOUTH_AMERICA),
    continent(NEW_ZEALAND, OCEANIA),
    continent(FIJI, OCEANIA),
    // Inventors, discoverers, theories: only where the credit is not disputed
    about(Inventor, ("電話", "the telephone"), "貝爾", "Alexander Graham Bell"),
    about(Inventor, ("炸藥", "dynamite"), "諾貝爾", "Alfred Nobel"),
    about(Inventor, ("留聲機", "the phonograph"), "愛迪生", "Thomas Edison"),
    about(Inventor, ("避雷針", "the lightning rod"), "富蘭克林", "Benjamin Franklin"),
    about(Inventor, ("聽診器", "the stethoscope"), "雷奈克", "René Laennec"),
    about(Inventor, ("全球資訊網", "the World Wide Web"), "柏納－李", "Tim Berners-Lee"),
    about(Discoverer, ("盤尼西林", "penicillin"), "弗萊明", "Alexander Fleming"),
    about(Discoverer, ("X射線", "X-rays"), "倫琴", "Wilhelm Röntgen"),
    about(Discoverer, ("鐳", "radium"), "居禮夫婦", "Marie and Pierre Curie"),
    about(Discoverer, ("電子", "the electron"), "湯姆森", "J. J. Thomson"),
    about(Discoverer, ("天王星", "Uranus"), "赫歇爾", "William Herschel"),
    about(Discoverer, ("冥王星", "Pluto"), "湯博", "Clyde Tombaugh"),
    about(Theorist, ("相對論", "the theory of relativity"), "愛因斯坦", "Albert Einstein"),
    about(Theorist, ("萬有引力定律", "the law of universal gravitation"), "牛頓", "Isaac Newton"),
    about(Theorist, ("三大運動定律", "the three laws of motion"), "牛頓", "Isaac Newton"),
    // Authors
    about(Author, ("《哈姆雷特》", "Hamlet"), "莎士比亞", "William Shakespeare"),
    about(Author, ("《羅密歐與茱麗葉》", "Romeo and Juliet"), "莎士比亞", "William Shakespeare"),
    about(Author, ("《馬克白》", "Macbeth"), "莎士比亞", "William Shakespeare"),
    about(Author, ("《唐吉訶德》", "Don Quixote"), "塞萬提斯", "Miguel de Cervantes"),
    about(Author, ("《戰爭與和平》", "War and Peace"), "托爾斯泰", "Leo Tolstoy"),
    about(Author, ("《罪與罰》", "Crime and Punishment"), "杜斯妥也夫斯基", "Fyodor Dostoevsky"),
    about(Author, ("《傲慢與偏見》", "Pride and Prejudice"), "珍·奧斯汀", "Jane Austen"),
    about(Author, ("《簡愛》", "Jane Eyre"), "夏綠蒂·勃朗特", "Charlotte Brontë"),
    about(Author, ("《咆哮山莊》", "Wuthering Heights"), "艾蜜莉·勃朗特", "Emily Brontë"),
    about(Author, ("《老人與海》", "The Old Man and the Sea"), "海明威", "Ernest Hemingway"),
    about(Author, ("《小王子》", "The Little Prince"), "聖修伯里", "Antoine de Saint-Exupéry"),
    about(Author, ("《物種起源》", "On the Origin of Species"), "達爾文", "Charles Darwin"),
    about(Author, ("《一九八四》", "Nineteen Eighty-Four"), "歐威爾", "George Orwell"),
    about(Author, ("《動物農莊》", "Animal Farm"), "歐威爾", "George Orwell"),
    about(Author, ("《悲慘世界》", "Les Misérables"), "雨果", "Victor Hugo"),
    about(Author, ("《神曲》", "the Divine Comedy"), "但丁", "Dante Alighieri"),
    about(Author, ("《浮士德》", "Faust"), "歌德", "Johann Wolfgang von Goethe"),
    about(Author, ("《雙城記》", "A Tale of Two Cities"), "狄更斯", "Charles Dickens"),
    about(Author, ("《基督山恩仇記》", "The Count of Monte Cristo"), "大仲馬", "Alexandre Dumas"),
    about(Author, ("《湯姆歷險記》", "The Adventures of Tom Sawyer"), "馬克·吐溫", "Mark Twain"),
    about(Author, ("《愛麗絲夢遊仙境》", "Alice's Adventures in Wonderland"), "路易斯·卡羅", "Lewis Carroll"),
    about(Author, ("《百年孤寂》", "One Hundred Years of Solitude"), "馬奎斯", "Gabriel García Márquez"),
    about(Author, ("《變形記》", "The Metamorphosis"), "卡夫卡", "Franz Kafka"),
    about(Author, ("《國富論》", "The Wealth of Nations"), "亞當·斯密", "Adam Smith"),
    about(Author, ("《理想國》", "The Republic"), "柏拉圖", "Plato"),
    about(Author, ("《史記》", "the Records of the Grand Historian"), "司馬遷", "Sima Qian"),
    // Landmarks
    about(Landmark, ("艾菲爾鐵塔", "the Eiffel Tower"), "巴黎", "Paris"),
    about(Landmark, ("羅浮宮", "the Louvre"), "巴黎", "Paris"),
    about(Landmark, ("自由女神像", "the Statue of Liberty"), "紐約", "New York City"),
    about(Landmark, ("時代廣場", "Times Square"), "紐約", "New York City"),
    about(Landmark, ("金門大橋", "the Golden Gate Bridge"), "舊金山", "San Francisco"),
    about(Landmark, ("白宮", "the White House"), "華盛頓特區", "Washington, D.C."),
    about(Landmark, ("大笨鐘", "Big Ben"), "倫敦", "London"),
    about(Landmark, ("大英博物館", "the British Museum"), "倫敦", "London"),
    about(Landmark, ("羅馬競技場", "the Colosseum"), "羅馬", "Rome"),
    about(Landmark, ("聖彼得大教堂", "St. Peter's Basilica"), "梵蒂岡", "Vatican City"),
    about(Landmark, ("帕德嫩神廟", "the Parthenon"), "雅典", "Athens"),
    about(Landmark, ("布蘭登堡門", "the Brandenburg Gate"), "柏林", "Berlin"),
    about(Landmark, ("聖家堂", "the Sagrada Família"), "巴塞隆納", "Barcelona"),
    about(Landmark, ("克里姆林宮", "the Kremlin"), "莫斯科", "Moscow"),
    about(Landmark, ("雪梨歌劇院", "the Sydney Opera House"), "雪梨", "Sydney"),
    about(Landmark, ("泰姬瑪哈陵", "the Taj Mahal"), "阿格拉", "Agra"),
    about(Landmark, ("哈里發塔", "the Burj Khalifa"), "杜拜", "Dubai"),
    about(Landmark, ("紫禁城", "the Forbidden City"), "北京", "Beijing"),
    about(Landmark, ("布達拉宮", "the Potala Palace"), "拉薩", "Lhasa"),
    about(Landmark, ("淺草寺", "Sensō-ji"), "東京", "Tokyo"),
    about(Landmark, ("東京鐵塔", "Tokyo Tower"), "東京", "Tokyo"),
    about(Landmark, ("金閣寺", "Kinkaku-ji"), "京都", "Kyoto"),
    about(Landmark, ("中正紀念堂", "the Chiang Kai-shek Memorial Hall"), "臺北", "Taipei"),
    about(Landmark, ("赤崁樓", "Chihkan Tower"), "臺南", "Tainan"),
];
