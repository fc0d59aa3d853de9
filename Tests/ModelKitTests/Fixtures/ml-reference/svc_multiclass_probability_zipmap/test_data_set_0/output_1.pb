
output_probability2D
m"setosa"
versicolor"	virginica*
valuesJ½‹ù;¾<÷x?2D
m"setosa"
versicolor"	virginica*
valuesJ~b?ı¿»=çÁ<2D
m"setosa"
versicolor"	virginica*
valuesJ§J?èí?>´ «<2D
m"setosa"
versicolor"	virginica*
valuesJL h?‘Y=1Â<2D
m"setosa"
versicolor"	virginica*
valuesJ0¬¸;Ñö<!Øv?2D
m"setosa"
versicolor"	virginica*
valuesJI¨?óÚ›>÷Qó=2D
m"setosa"
versicolor"	virginica*
valuesJ…-:»=ÄOh?2D
m"setosa"
versicolor"	virginica*
valuesJ3U#?8[<Ú{²>2D
m"setosa"
versicolor"	virginica*
valuesJFÂK;^½>/… ?2D
m"setosa"
versicolor"	virginica*
valuesJ<ÿA<inq?™8=2D
m"setosa"
versicolor"	virginica*
valuesJR)?œ~‚>»ü=2D
m"setosa"
versicolor"	virginica*
valuesJé»^<ˆÒg?7”¥=