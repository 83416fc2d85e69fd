//! The fact table. Every row is a well-established fact, stated so that it stays true: e.g. the
//! Sahara is the largest *hot* desert (Antarctica is the largest desert), the Caspian Sea the
//! largest lake, Lake Superior the largest freshwater lake by area, the Andes the longest range
//! on land. Rows whose truth depends on a definition that sources dispute (the world's longest
//! river: Nile or Amazon; the longest river of the United States) are left out. India is the
//! most populous country on the UN's estimates since 2023.

/// What a fact is about: the superlative (or relation) and how it is said in each language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    HighestMountain,
    LongestRiver,
    LargestFlowRiver,
    LargestLake,
    LargestFreshwaterLake,
    LargestNaturalLake,
    DeepestLake,
    DeepestTrench,
    LargestOcean,
    LargestHotDesert,
    LargestIsland,
    LargestContinent,
    ColdestContinent,
    LargestCountry,
    SmallestCountry,
    MostPopulousCountry,
    MostPopulousCity,
    TallestBuilding,
    HighestWaterfall,
    LongestMountainRange,
    LargestRainforest,
    LargestCoralReef,
    LongestRoadTunnel,
    Capital,
}

impl Kind {
    /// The superlative phrase: 最高的山 / highest mountain. `None` for relations (capitals).
    pub fn phrase(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Kind::HighestMountain => ("最高的山", "highest mountain"),
            Kind::LongestRiver => ("最長的河", "longest river"),
            Kind::LargestFlowRiver => ("流量最大的河", "river with the largest flow"),
            Kind::LargestLake => ("最大的湖", "largest lake"),
            Kind::LargestFreshwaterLake => ("面積最大的淡水湖", "largest freshwater lake by area"),
            Kind::LargestNaturalLake => ("最大的天然湖", "largest natural lake"),
            Kind::DeepestLake => ("最深的湖", "deepest lake"),
            Kind::DeepestTrench => ("最深的海溝", "deepest ocean trench"),
            Kind::LargestOcean => ("最大的海洋", "largest ocean"),
            Kind::LargestHotDesert => ("最大的熱沙漠", "largest hot desert"),
            Kind::LargestIsland => ("最大的島", "largest island"),
            Kind::LargestContinent => ("最大的洲", "largest continent"),
            Kind::ColdestContinent => ("最冷的洲", "coldest continent"),
            Kind::LargestCountry => ("面積最大的國家", "largest country by area"),
            Kind::SmallestCountry => ("最小的國家", "smallest country"),
            Kind::MostPopulousCountry => ("人口最多的國家", "most populous country"),
            Kind::MostPopulousCity => ("人口最多的城市", "most populous city"),
            Kind::TallestBuilding => ("最高的建築", "tallest building"),
            Kind::HighestWaterfall => ("最高的瀑布", "highest waterfall"),
            Kind::LongestMountainRange => ("陸地上最長的山脈", "longest mountain range on land"),
            Kind::LargestRainforest => ("最大的雨林", "largest rainforest"),
            Kind::LargestCoralReef => ("最大的珊瑚礁", "largest coral reef"),
            Kind::LongestRoadTunnel => ("最長的公路隧道", "longest road tunnel"),
            Kind::Capital => return None,
        })
    }

    /// The measure word a question uses: 哪「座」山, 哪「條」河.
    pub fn measure_word(self) -> &'static str {
        match self {
            Kind::HighestMountain | Kind::LargestIsland | Kind::TallestBuilding | Kind::HighestWaterfall => "座",
            Kind::LongestRiver | Kind::LargestFlowRiver | Kind::LongestMountainRange | Kind::LongestRoadTunnel => "條",
            Kind::DeepestTrench => "條",
            Kind::LargestHotDesert | Kind::LargestRainforest | Kind::LargestCoralReef => "片",
            Kind::LargestCountry | Kind::SmallestCountry | Kind::MostPopulousCountry | Kind::MostPopulousCity => "個",
            Kind::LargestLake | Kind::LargestFreshwaterLake | Kind::LargestNaturalLake => "個",
            Kind::DeepestLake | Kind::LargestOcean => "個",
            Kind::LargestContinent | Kind::ColdestContinent | Kind::Capital => "個",
        }
    }
}

/// Where a fact holds: a country, a region or the world, named in each language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub zh: &'static str,
    pub en: &'static str,
}

pub const WORLD: Scope = Scope { zh: "世界", en: "the world" };
pub const TAIWAN: Scope = Scope { zh: "臺灣", en: "Taiwan" };
const ASIA: Scope = Scope { zh: "亞洲", en: "Asia" };
const JAPAN: Scope = Scope { zh: "日本", en: "Japan" };
const CHINA: Scope = Scope { zh: "中國", en: "China" };
const KOREA: Scope = Scope { zh: "韓國", en: "South Korea" };
const USA: Scope = Scope { zh: "美國", en: "the United States" };
const UK: Scope = Scope { zh: "英國", en: "the United Kingdom" };

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

const fn capital(country_zh: &'static str, country_en: &'static str, zh: &'static str, en: &'static str) -> Fact {
    fact(Kind::Capital, Scope { zh: country_zh, en: country_en }, zh, en)
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
    // Japan, China, Korea, the United States, the United Kingdom, Australia, Asia
    with_figure(HighestMountain, JAPAN, ("富士山", "Mount Fuji"), ("海拔 3776 公尺", "3,776 metres high")),
    fact(LongestRiver, JAPAN, "信濃川", "the Shinano River"),
    fact(LargestLake, JAPAN, "琵琶湖", "Lake Biwa"),
    fact(LargestIsland, JAPAN, "本州", "Honshu"),
    fact(LongestRiver, CHINA, "長江", "the Yangtze River"),
    fact(LargestFreshwaterLake, CHINA, "鄱陽湖", "Poyang Lake"),
    fact(LargestLake, CHINA, "青海湖", "Qinghai Lake"),
    with_figure(HighestMountain, KOREA, ("漢拏山", "Hallasan"), ("海拔 1947 公尺", "1,947 metres high")),
    with_figure(HighestMountain, USA, ("迪納利山", "Denali"), ("海拔 6190 公尺", "6,190 metres high")),
    fact(MostPopulousCity, USA, "紐約", "New York City"),
    fact(LongestRiver, UK, "塞文河", "the River Severn"),
    fact(LongestRiver, ASIA, "長江", "the Yangtze River"),
    // The world
    with_figure(HighestMountain, WORLD, ("聖母峰", "Mount Everest"), ("海拔 8849 公尺", "8,849 metres high")),
    fact(DeepestTrench, WORLD, "馬里亞納海溝", "the Mariana Trench"),
    fact(LargestOcean, WORLD, "太平洋", "the Pacific Ocean"),
    fact(LargestHotDesert, WORLD, "撒哈拉沙漠", "the Sahara"),
    fact(LargestIsland, WORLD, "格陵蘭", "Greenland"),
    fact(LargestLake, WORLD, "裏海", "the Caspian Sea"),
    fact(LargestFreshwaterLake, WORLD, "蘇必略湖", "Lake Superior"),
    fact(DeepestLake, WORLD, "貝加爾湖", "Lake Baikal"),
    fact(LargestFlowRiver, WORLD, "亞馬遜河", "the Amazon River"),
    fact(LargestContinent, WORLD, "亞洲", "Asia"),
    fact(ColdestContinent, WORLD, "南極洲", "Antarctica"),
    fact(LargestCountry, WORLD, "俄羅斯", "Russia"),
    fact(SmallestCountry, WORLD, "梵蒂岡", "Vatican City"),
    fact(MostPopulousCountry, WORLD, "印度", "India"),
    with_figure(TallestBuilding, WORLD, ("哈里發塔", "the Burj Khalifa"), ("高 828 公尺", "828 metres tall")),
    with_figure(HighestWaterfall, WORLD, ("安赫爾瀑布", "Angel Falls"), ("落差 979 公尺", "979 metres high")),
    fact(LongestMountainRange, WORLD, "安地斯山脈", "the Andes"),
    fact(LargestRainforest, WORLD, "亞馬遜雨林", "the Amazon rainforest"),
    fact(LargestCoralReef, WORLD, "大堡礁", "the Great Barrier Reef"),
    // Capitals
    capital("日本", "Japan", "東京", "Tokyo"),
    capital("韓國", "South Korea", "首爾", "Seoul"),
    capital("中國", "China", "北京", "Beijing"),
    capital("美國", "the United States", "華盛頓特區", "Washington, D.C."),
    capital("英國", "the United Kingdom", "倫敦", "London"),
    capital("法國", "France", "巴黎", "Paris"),
    capital("德國", "Germany", "柏林", "Berlin"),
    capital("義大利", "Italy", "羅馬", "Rome"),
    capital("西班牙", "Spain", "馬德里", "Madrid"),
    capital("澳洲", "Australia", "坎培拉", "Canberra"),
    capital("加拿大", "Canada", "渥太華", "Ottawa"),
    capital("埃及", "Egypt", "開羅", "Cairo"),
    capital("印度", "India", "新德里", "New Delhi"),
    capital("俄羅斯", "Russia", "莫斯科", "Moscow"),
    capital("巴西", "Brazil", "巴西利亞", "Brasília"),
    capital("泰國", "Thailand", "曼谷", "Bangkok"),
    capital("越南", "Vietnam", "河內", "Hanoi"),
    capital("菲律賓", "the Philippines", "馬尼拉", "Manila"),
    capital("墨西哥", "Mexico", "墨西哥城", "Mexico City"),
    capital("阿根廷", "Argentina", "布宜諾斯艾利斯", "Buenos Aires"),
    capital("肯亞", "Kenya", "奈洛比", "Nairobi"),
    capital("希臘", "Greece", "雅典", "Athens"),
];
