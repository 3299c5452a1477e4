# expect: class
enum Colour { Red; Green }
