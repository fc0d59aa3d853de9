
Z25
m"maybe"no"yes*
valuesJ¼çç>âE?áª>25
m"maybe"no"yes*
valuesJŽ¸w?ˆgZ?Ÿ}ö>25
m"maybe"no"yes*
valuesJîLN?Äúß>6©Ô>25
m"maybe"no"yes*
valuesJìˆ¤>Æ£}?6Ùg?25
m"maybe"no"yes*
valuesJ==¼M?Ë]>